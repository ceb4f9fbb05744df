package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// crossplaneImage is the repository of the Crossplane image validate reads
// Crossplane's own CRDs from; SchemaCache puts them where it looks.
const crossplaneImage = "xpkg.crossplane.io/crossplane/crossplane"

// providerGroupSuffix ends the API groups of provider-aws's namespaced
// managed resources.
const providerGroupSuffix = ".aws.m.upbound.io"

// validateTimeout bounds one crossplane beta validate.
const validateTimeout = 5 * time.Minute

// ValidateSummary is the last line of crossplane beta validate.
type ValidateSummary struct {
	Total, Missing, Success, Failures int
}

func (s ValidateSummary) String() string {
	return fmt.Sprintf("Total %d resources: %d missing schemas, %d success cases, %d failure cases",
		s.Total, s.Missing, s.Success, s.Failures)
}

// AllValid reports whether validate checked something and every resource
// it checked was valid against a schema.
func (s ValidateSummary) AllValid() bool {
	return s.Total > 0 && s.Missing == 0 && s.Failures == 0 && s.Success == s.Total
}

var validateSummaryRe = regexp.MustCompile(`(?m)^Total (\d+) resources: (\d+) missing schemas, (\d+) success cases, (\d+) failure cases$`)

// ParseValidateSummary reads the summary line of crossplane beta validate.
func ParseValidateSummary(out string) (ValidateSummary, error) {
	m := validateSummaryRe.FindStringSubmatch(out)
	if m == nil {
		return ValidateSummary{}, errors.New("no summary line")
	}
	n := make([]int, len(m)-1)
	for i := range n {
		v, err := strconv.Atoi(m[i+1])
		if err != nil {
			return ValidateSummary{}, fmt.Errorf("summary line: %w", err)
		}
		n[i] = v
	}
	return ValidateSummary{Total: n[0], Missing: n[1], Success: n[2], Failures: n[3]}, nil
}

// Validate runs crossplane beta validate of resources (files) against the
// schemas (files or directories), offline with the cache SchemaCache
// prepared, and with --error-on-missing-schemas and any extra flags. It
// returns the CLI's stdout and stderr together, and its error.
func Validate(ctx context.Context, cli string, schemas, resources []string, cache, image string, extra ...string) (string, error) {
	args := append([]string{
		"beta", "validate", strings.Join(schemas, ","), strings.Join(resources, ","),
		"--cache-dir", cache, "--crossplane-image", image, "--error-on-missing-schemas",
	}, extra...)
	stdout, stderr, err := RunCLI(ctx, cli, validateTimeout, args...)
	return string(stdout) + string(stderr), err
}

// SchemaCache makes dir a validate cache that holds Crossplane's own CRDs
// (Composition, Function, Usage, ...), from the Crossplane module the CLI is
// built from, where validate looks for the image it returns. validate then
// needs no network.
func SchemaCache(ctx context.Context, root, dir string) (string, error) {
	tools := filepath.Join(root, ToolsModule)
	version, err := GoModuleVersion(ctx, tools, CrossplaneModule)
	if err != nil {
		return "", err
	}
	src, err := GoModuleDir(ctx, tools, CrossplaneModule)
	if err != nil {
		return "", err
	}
	crds, err := filepath.Glob(filepath.Join(src, "cluster", "crds", "*.yaml"))
	if err != nil {
		return "", fmt.Errorf("find the Crossplane CRDs: %w", err)
	}
	if len(crds) == 0 {
		return "", fmt.Errorf("no Crossplane CRDs in %s/cluster/crds", src)
	}
	dst := filepath.Join(dir, crossplaneImage+"@"+version)
	for _, f := range crds {
		if err := copyFile(f, filepath.Join(dst, filepath.Base(f))); err != nil {
			return "", err
		}
	}
	return crossplaneImage + ":" + version, nil
}

// ProviderCRDs copies into dir the provider-aws CRDs of the kinds the
// resources (files) hold, as the module at root requires provider-aws
// (validating against all ~2000 is slow). It returns how many it copied.
func ProviderCRDs(ctx context.Context, root string, resources []string, dir string) (int, error) {
	src, err := GoModuleDir(ctx, root, ProviderAWSModule)
	if err != nil {
		return 0, err
	}
	want, err := providerKinds(resources)
	if err != nil {
		return 0, err
	}
	found, err := findCRDs(filepath.Join(src, "package", "crds"), want)
	if err != nil {
		return 0, err
	}
	var missing []string
	for gk := range want {
		f, ok := found[gk]
		if !ok {
			missing = append(missing, gk.String())
			continue
		}
		if err := copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
			return 0, err
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return 0, fmt.Errorf("provider-aws has no CRD for %s", strings.Join(missing, ", "))
	}
	return len(found), nil
}

// providerKinds are the provider-aws kinds the resources (files) hold.
func providerKinds(resources []string) (map[schema.GroupKind]bool, error) {
	want := map[schema.GroupKind]bool{}
	for _, r := range resources {
		objs, err := yamlobj.Read(r)
		if err != nil {
			return nil, err
		}
		for _, u := range objs {
			if gk := u.GroupVersionKind().GroupKind(); strings.HasSuffix(gk.Group, providerGroupSuffix) {
				want[gk] = true
			}
		}
	}
	return want, nil
}

// findCRDs finds the CRD files (<group>_<plural>.yaml) of these kinds in dir.
func findCRDs(dir string, want map[schema.GroupKind]bool) (map[schema.GroupKind]string, error) {
	groups := map[string]bool{}
	for gk := range want {
		groups[gk.Group] = true
	}
	found := map[schema.GroupKind]string{}
	for g := range groups {
		files, err := filepath.Glob(filepath.Join(dir, g+"_*.yaml"))
		if err != nil {
			return nil, fmt.Errorf("find the CRDs of %s: %w", g, err)
		}
		for _, f := range files {
			kind, err := crdKind(f)
			if err != nil {
				return nil, err
			}
			if gk := (schema.GroupKind{Group: g, Kind: kind}); want[gk] {
				found[gk] = f
			}
		}
	}
	return found, nil
}

// crdKind reads spec.names.kind of a CRD file. It parses only what comes
// before spec.versions (controller-gen writes names first): the schemas
// are large.
func crdKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	var head bytes.Buffer
	sc := bufio.NewScanner(f)
	for sc.Scan() && sc.Text() != "  versions:" {
		head.WriteString(sc.Text() + "\n")
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	var crd struct {
		Spec struct {
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(head.Bytes(), &crd); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return crd.Spec.Names.Kind, nil
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}
