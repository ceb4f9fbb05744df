package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/platform/function-catalog-api/internal/yamlobj"
)

// The package tests build the shipped artifacts with .ci/build-packages, as a
// release does, then open them the way Crossplane reads them. An xpkg is an
// image tarball (docker save layout: manifest.json, a config blob, gzipped
// layer blobs). Crossplane finds the layer holding package.yaml (the meta
// object plus CRDs, XRDs or Compositions as one YAML stream) by a config label
// io.crossplane.xpkg:<layer digest>=base, and the examples layer by the value
// "upbound". Every other layer belongs to the embedded runtime image.

const (
	xpkgLabelKey         = "io.crossplane.xpkg"
	xpkgPackageLayer     = "base"
	xpkgExamplesLayer    = "upbound"
	xpkgPackageFile      = "package.yaml"
	xpkgExamplesFile     = ".up/examples.yaml"
	xpkgMetaGroupVersion = "meta.pkg.crossplane.io/"

	// What the runtime image must run: see .ci/tools/cmd/runtime-image.
	runtimeEntrypoint = "/function"
	runtimeUser       = "65532:65532"
	runtimeUID        = 65532
	runtimePort       = "9443/tcp"
)

// runtimeArches are the architectures .ci/build-packages builds by default: a
// Function package per architecture, pushed together as one multi-arch
// package.
var runtimeArches = []string{"amd64", "arm64"} //nolint:gochecknoglobals // A constant list.

// builtPackages are the files .ci/build-packages writes.
type builtPackages struct {
	runtimeTarball map[string]string // by architecture
	function       map[string]string // by architecture
	configuration  string
}

func TestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function, its runtime image and both packages; skipped with -short")
	}
	built := buildPackages(t)

	cfg := readImageTarball(t, built.configuration)
	for _, arch := range runtimeArches {
		fn := readImageTarball(t, built.function[arch])
		logSizes(t, built, arch, fn)
		t.Run("Contents/"+arch, packageContents(fn, cfg))
		t.Run("FunctionRuntime/"+arch, functionRuntime(fn, arch))
	}
	t.Run("ConfigurationDependencies", configurationDependencies(cfg))
	t.Run("CompositionFunctionRef", compositionFunctionRef(cfg))
}

// buildPackages runs .ci/build-packages into a temporary directory, reusing
// the Crossplane CLI the other end-to-end tests build.
func buildPackages(t *testing.T) builtPackages {
	t.Helper()
	out := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "bash", repoPath(".ci/build-packages"))
	cmd.Env = append(os.Environ(),
		"OUTPUT_DIR="+out,
		"ARCHES="+strings.Join(runtimeArches, " "),
		"CROSSPLANE="+crossplaneCLI(t),
	)
	start := time.Now()
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf(".ci/build-packages: %v\n%s", err, log)
	}
	t.Logf(".ci/build-packages took %s:\n%s", time.Since(start).Round(time.Millisecond), log)
	built := builtPackages{
		runtimeTarball: map[string]string{},
		function:       map[string]string{},
		configuration:  filepath.Join(out, "configuration-catalog-api.xpkg"),
	}
	for _, arch := range runtimeArches {
		built.runtimeTarball[arch] = filepath.Join(out, "runtime-"+arch+".tar")
		built.function[arch] = filepath.Join(out, "function-catalog-api-"+arch+".xpkg")
	}
	return built
}

// logSizes reports the sizes of one architecture's files (and of the
// Configuration, which is the same for all).
func logSizes(t *testing.T, built builtPackages, arch string, fn *imageTarball) {
	t.Helper()
	for _, path := range []string{built.runtimeTarball[arch], built.function[arch], built.configuration} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() == 0 {
			t.Errorf("%s is empty", filepath.Base(path))
		}
		t.Logf("%-32s %10d bytes (%s)", filepath.Base(path), fi.Size(), mebibytes(fi.Size()))
	}
	size := fn.runtimeImageSize()
	if size == 0 {
		t.Error("the function package embeds no runtime image")
	}
	t.Logf("%-32s %10d bytes (%s): compressed runtime layers + config", "runtime image (in "+arch+" xpkg)", size, mebibytes(size))
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// packageContents checks that each package holds exactly its source
// files: the meta object from its crossplane.yaml and the objects of the
// files it is built from, with their specs unchanged, and its examples.
func packageContents(fn, cfg *imageTarball) func(*testing.T) {
	return func(t *testing.T) {
		cases := map[string]struct {
			pkg          *imageTarball
			metaSource   string
			wantMeta     string
			sources      []string
			wantKinds    []string
			wantExamples []string
		}{
			"Function": {
				pkg:        fn,
				metaSource: repoPath("package/crossplane.yaml"),
				wantMeta:   "meta.pkg.crossplane.io/v1beta1 Function function-catalog-api",
				sources:    sourceGlob(t, repoPath("package/input/*.yaml")),
				// The Input CRD is what makes the Composition's input validatable.
				wantKinds: []string{"CustomResourceDefinition/inputs.catalogapi.fn.example.org"},
			},
			"Configuration": {
				pkg:          cfg,
				metaSource:   repoPath("apis/crossplane.yaml"),
				wantMeta:     "meta.pkg.crossplane.io/v1 Configuration configuration-catalog-api",
				sources:      []string{repoPath(XRD), repoPath(ShippedComposition)},
				wantKinds:    []string{"CompositeResourceDefinition/", "Composition/"},
				wantExamples: sourceIdentities(t, repoPath(ExampleXR)),
			},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				meta, objects := tc.pkg.packageObjects(t)
				if got := metaIdentity(meta); got != tc.wantMeta {
					t.Errorf("meta object: got %q, want %q", got, tc.wantMeta)
				}
				checkMetaMatchesSource(t, meta, tc.metaSource)

				want := sourceObjects(t, tc.sources...)
				if diff := cmp.Diff(identities(want), identities(objects)); diff != "" {
					t.Errorf("package objects (-from sources +in package):\n%s", diff)
				}
				checkSpecsMatchSources(t, want, objects)
				for _, kind := range tc.wantKinds {
					if !containsPrefix(identities(objects), kind) {
						t.Errorf("package has no %s; it has %v", kind, identities(objects))
					}
				}

				if diff := cmp.Diff(tc.wantExamples, tc.pkg.exampleIdentities(t)); diff != "" {
					t.Errorf("package examples (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// checkMetaMatchesSource compares what a user and Crossplane read from the
// meta object (annotations and spec) with its crossplane.yaml.
func checkMetaMatchesSource(t *testing.T, meta *unstructured.Unstructured, source string) {
	t.Helper()
	src := sourceObjects(t, source)
	if len(src) != 1 {
		t.Fatalf("%s: want one object, got %d", source, len(src))
	}
	if diff := cmp.Diff(src[0].GetAnnotations(), meta.GetAnnotations()); diff != "" {
		t.Errorf("meta annotations (-%s +package):\n%s", source, diff)
	}
	for _, key := range []string{"maintainer", "source", "description", "readme"} {
		if meta.GetAnnotations()["meta.crossplane.io/"+key] == "" {
			t.Errorf("meta object has no meta.crossplane.io/%s annotation", key)
		}
	}
	if diff := cmp.Diff(src[0].Object["spec"], meta.Object["spec"]); diff != "" {
		t.Errorf("meta spec (-%s +package):\n%s", source, diff)
	}
	if got, _, _ := unstructured.NestedString(meta.Object, "spec", "crossplane", "version"); got != ">=v2.0.0" {
		t.Errorf("spec.crossplane.version: got %q, want %q", got, ">=v2.0.0")
	}
}

// checkSpecsMatchSources compares each packaged object's spec with the one in
// its source file. (The package encoder adds an empty status to CRDs, so whole
// objects differ.)
func checkSpecsMatchSources(t *testing.T, sources, packaged []*unstructured.Unstructured) {
	t.Helper()
	byIdentity := make(map[string]*unstructured.Unstructured, len(packaged))
	for _, o := range packaged {
		byIdentity[objectIdentity(o)] = o
	}
	for _, src := range sources {
		got, ok := byIdentity[objectIdentity(src)]
		if !ok {
			continue // reported by the identity diff
		}
		if diff := cmp.Diff(src.Object["spec"], got.Object["spec"]); diff != "" {
			t.Errorf("%s spec (-source +package):\n%s", objectIdentity(src), diff)
		}
	}
}

// functionRuntime checks the runtime image embedded in the Function
// package: the config Crossplane runs and a filesystem that is the static
// binary and nothing else (no shell, no package manager).
func functionRuntime(fn *imageTarball, arch string) func(*testing.T) {
	return func(t *testing.T) {
		cfg := fn.config
		checks := []struct {
			field     string
			got, want any
		}{
			{"entrypoint", cfg.Config.Entrypoint, []string{runtimeEntrypoint}},
			{"user", cfg.Config.User, runtimeUser},
			{"exposed ports", cfg.Config.ExposedPorts, map[string]struct{}{runtimePort: {}}},
			{"os", cfg.OS, "linux"},
			{"architecture", cfg.Architecture, arch},
		}
		for _, c := range checks {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("runtime image %s (-want +got):\n%s", c.field, diff)
			}
		}

		files := fn.runtimeFiles()
		paths := slices.Sorted(maps.Keys(files))
		if diff := cmp.Diff([]string{strings.TrimPrefix(runtimeEntrypoint, "/")}, paths); diff != "" {
			t.Fatalf("runtime image files (-want +got):\n%s", diff)
		}
		type header struct {
			Mode     int64
			UID, GID int
			Magic    string
		}
		bin := files[strings.TrimPrefix(runtimeEntrypoint, "/")]
		got := header{Mode: bin.Mode, UID: bin.UID, GID: bin.GID, Magic: bin.Magic}
		want := header{Mode: 0o755, UID: runtimeUID, GID: runtimeUID, Magic: "\x7fELF"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("runtime image %s (-want +got):\n%s", runtimeEntrypoint, diff)
		}
		if bin.Size == 0 {
			t.Errorf("runtime image %s is empty", runtimeEntrypoint)
		}
	}
}

// configurationDependencies checks the packages the Configuration
// installs: the function and one provider-aws family provider per API group
// the function composes, all pinned, in the Crossplane v2 form.
func configurationDependencies(cfg *imageTarball) func(*testing.T) {
	return func(t *testing.T) {
		meta, _ := cfg.packageObjects(t)
		deps, _, err := unstructured.NestedSlice(meta.Object, "spec", "dependsOn")
		if err != nil {
			t.Fatalf("spec.dependsOn: %v", err)
		}
		got := make([]string, 0, len(deps))
		for _, d := range deps {
			dep, _ := d.(map[string]any)
			got = append(got, fmt.Sprintf("%v %v %v@%v", dep["apiVersion"], dep["kind"], dep["package"], dep["version"]))
			for _, deprecated := range []string{"provider", "function", "configuration"} {
				if _, ok := dep[deprecated]; ok {
					t.Errorf("dependency %v uses the deprecated %q field; use apiVersion, kind and package", dep, deprecated)
				}
			}
		}
		provider := func(group string) string {
			return "pkg.crossplane.io/v1 Provider xpkg.upbound.io/upbound/provider-aws-" + group + "@v2.5.0"
		}
		want := []string{
			"pkg.crossplane.io/v1 Function xpkg.example.org/platform/function-catalog-api@v0.1.0",
			provider("ec2"), provider("ecs"), provider("elbv2"), provider("rds"), provider("cloudfront"),
			provider("appautoscaling"), provider("cloudwatch"), provider("cloudwatchlogs"), provider("s3"), provider("iam"),
			provider("cloudwatchevents"), provider("sfn"), provider("acm"), provider("route53"),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("spec.dependsOn (-want +got):\n%s", diff)
		}
	}
}

// compositionFunctionRef checks that the Composition calls the Function
// by the name Crossplane gives it when it installs it as a dependency of the
// Configuration: its repository with "/" replaced by "-". Any other name
// only works when someone installs the function by hand under that name.
func compositionFunctionRef(cfg *imageTarball) func(*testing.T) {
	return func(t *testing.T) {
		meta, objects := cfg.packageObjects(t)
		deps, _, _ := unstructured.NestedSlice(meta.Object, "spec", "dependsOn")
		var installedAs string
		for _, d := range deps {
			if dep, _ := d.(map[string]any); dep["kind"] == "Function" {
				installedAs = dependencyObjectName(fmt.Sprint(dep["package"]))
			}
		}
		if installedAs == "" {
			t.Fatal("the Configuration does not depend on a Function")
		}
		for _, o := range objects {
			if o.GetKind() != "Composition" {
				continue
			}
			steps, _, _ := unstructured.NestedSlice(o.Object, "spec", "pipeline")
			if len(steps) == 0 {
				t.Errorf("Composition %s has no pipeline steps", o.GetName())
			}
			for _, s := range steps {
				step, _ := s.(map[string]any)
				ref, _, _ := unstructured.NestedString(step, "functionRef", "name")
				if ref != installedAs {
					t.Errorf("Composition %s step %v calls Function %q, but the Configuration's dependency installs it as %q",
						o.GetName(), step["step"], ref, installedAs)
				}
			}
		}
	}
}

// dependencyObjectName is the name Crossplane's package manager gives a
// dependency (xpkg.ToDNSLabel of the reference's repository): the registry,
// tag and digest dropped, "/", ".", ":" and "-" turned into "-", any other
// character but [a-z0-9] dropped, at most 63 characters.
func dependencyObjectName(ref string) string {
	repo, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if registry, rest, ok := strings.Cut(repo, "/"); ok && (strings.ContainsAny(registry, ".:") || registry == "localhost") {
		repo = rest
	}
	return dnsLabel(repo)
}

// maxDNSLabel is the length limit of a DNS label (RFC 1123).
const maxDNSLabel = 63

// dnsLabel is xpkg.ToDNSLabel: of the first 63 characters, [a-z0-9] kept,
// "/", ".", ":" and "-" turned into "-", the rest dropped, and no "-" at
// either end.
func dnsLabel(repo string) string {
	var label strings.Builder
	for i := 0; i < len(repo) && i < maxDNSLabel; i++ {
		switch c := repo[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			label.WriteByte(c)
		case strings.IndexByte("/.:-", c) >= 0:
			label.WriteByte('-')
		}
	}
	return strings.Trim(label.String(), "-")
}

func TestDependencyObjectName(t *testing.T) {
	cases := map[string]string{
		"xpkg.example.org/platform/function-catalog-api":                  "platform-function-catalog-api",
		"xpkg.upbound.io/upbound/provider-aws-ec2:v2.5.0":                 "upbound-provider-aws-ec2",
		"localhost:5000/crossplane-contrib/function-auto-ready@sha256:ab": "crossplane-contrib-function-auto-ready",
		"ghcr.io/my_org/function.x":                                       "myorg-function-x",
	}
	for ref, want := range cases {
		if got := dependencyObjectName(ref); got != want {
			t.Errorf("dependencyObjectName(%q): got %q, want %q", ref, got, want)
		}
	}
}

// imageTarball is an image tarball as Crossplane reads it.
type imageTarball struct {
	configSize int64
	config     imageConfig
	layers     []imageLayer
}

// imageConfig holds the image config fields the tests check.
type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		Entrypoint   []string            `json:"Entrypoint"`
		User         string              `json:"User"`
		ExposedPorts map[string]struct{} `json:"ExposedPorts"`
		Labels       map[string]string   `json:"Labels"`
	} `json:"config"`
}

type imageLayer struct {
	size       int64  // compressed
	annotation string // the io.crossplane.xpkg label; empty for runtime layers
	files      map[string]layerFile
}

// layerFile is a file's header, its first bytes, and its content if small.
type layerFile struct {
	Mode     int64
	UID, GID int
	Size     int64
	Magic    string
	content  []byte
}

// readImageTarball reads manifest.json, the config and every layer. It checks
// each layer blob against the digest its name claims.
func readImageTarball(t *testing.T, path string) *imageTarball {
	t.Helper()
	blobs, err := readTarFiles(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var manifest []struct {
		Config string   `json:"Config"`
		Layers []string `json:"Layers"`
	}
	if err := json.Unmarshal(blobs["manifest.json"], &manifest); err != nil {
		t.Fatalf("%s: manifest.json: %v", path, err)
	}
	if len(manifest) != 1 {
		t.Fatalf("%s: want one image in manifest.json, got %d", path, len(manifest))
	}
	img := &imageTarball{configSize: int64(len(blobs[manifest[0].Config]))}
	if err := json.Unmarshal(blobs[manifest[0].Config], &img.config); err != nil {
		t.Fatalf("%s: config %s: %v", path, manifest[0].Config, err)
	}
	for _, name := range manifest[0].Layers {
		blob := blobs[name]
		sum := sha256.Sum256(blob)
		digest := hex.EncodeToString(sum[:])
		if name != digest+".tar.gz" {
			t.Fatalf("%s: layer %s has digest sha256:%s", path, name, digest)
		}
		files, err := readLayerFiles(blob)
		if err != nil {
			t.Fatalf("%s: layer %s: %v", path, name, err)
		}
		img.layers = append(img.layers, imageLayer{
			size:       int64(len(blob)),
			annotation: img.config.Config.Labels[xpkgLabelKey+":sha256:"+digest],
			files:      files,
		})
	}
	return img
}

// eachTarEntry calls fn for every entry of a tar stream, in order.
func eachTarEntry(r io.Reader, fn func(hdr *tar.Header, body io.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read the tar stream: %w", err)
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
	}
}

// readTarFiles returns the regular files of a tar archive by name.
func readTarFiles(path string) (map[string][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the archive: %w", err)
	}
	defer func() { _ = f.Close() }()
	files := map[string][]byte{}
	err = eachTarEntry(f, func(hdr *tar.Header, body io.Reader) error {
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		data, err := io.ReadAll(body)
		if err != nil {
			return fmt.Errorf("%s: %w", hdr.Name, err)
		}
		files[hdr.Name] = data
		return nil
	})
	return files, err
}

// readLayerFiles lists a gzipped layer's files, keeping the content of those
// under 1 MiB (package.yaml, examples) and the first four bytes of all.
func readLayerFiles(blob []byte) (map[string]layerFile, error) {
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, fmt.Errorf("the layer is not gzipped: %w", err)
	}
	files := map[string]layerFile{}
	err = eachTarEntry(zr, func(hdr *tar.Header, body io.Reader) error {
		data, err := io.ReadAll(body)
		if err != nil {
			return fmt.Errorf("%s: %w", hdr.Name, err)
		}
		f := layerFile{Mode: hdr.Mode, UID: hdr.Uid, GID: hdr.Gid, Size: hdr.Size, Magic: string(data[:min(4, len(data))])}
		if len(data) < 1<<20 {
			f.content = data
		}
		files[strings.TrimPrefix(hdr.Name, "/")] = f
		return nil
	})
	return files, err
}

// layer returns the content of file in the one layer annotated annotation,
// or nil when no layer has that annotation.
func (img *imageTarball) layer(t *testing.T, annotation, file string) []byte {
	t.Helper()
	var found []byte
	for _, l := range img.layers {
		if l.annotation != annotation {
			continue
		}
		if found != nil {
			t.Fatalf("more than one layer annotated %q", annotation)
		}
		f, ok := l.files[file]
		if !ok {
			t.Fatalf("the layer annotated %q has no %s", annotation, file)
		}
		found = f.content
	}
	return found
}

// packageObjects returns the meta object and the other objects of
// package.yaml.
func (img *imageTarball) packageObjects(t *testing.T) (meta *unstructured.Unstructured, rest []*unstructured.Unstructured) {
	t.Helper()
	stream := img.layer(t, xpkgPackageLayer, xpkgPackageFile)
	if stream == nil {
		t.Fatalf("no layer is annotated %s=%s", xpkgLabelKey, xpkgPackageLayer)
	}
	objs, err := yamlobj.Decode(bytes.NewReader(stream))
	if err != nil {
		t.Fatalf("%s: %v", xpkgPackageFile, err)
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.GetAPIVersion(), xpkgMetaGroupVersion) {
			rest = append(rest, o)
			continue
		}
		if meta != nil {
			t.Fatalf("%s has more than one meta object", xpkgPackageFile)
		}
		meta = o
	}
	if meta == nil {
		t.Fatalf("%s has no meta object", xpkgPackageFile)
	}
	return meta, rest
}

// exampleIdentities lists the objects of the examples layer, nil if there is
// none.
func (img *imageTarball) exampleIdentities(t *testing.T) []string {
	t.Helper()
	stream := img.layer(t, xpkgExamplesLayer, xpkgExamplesFile)
	if stream == nil {
		return nil
	}
	objs, err := yamlobj.Decode(bytes.NewReader(stream))
	if err != nil {
		t.Fatalf("%s: %v", xpkgExamplesFile, err)
	}
	return identities(objs)
}

// runtimeFiles merges the files of the layers that are not package content.
func (img *imageTarball) runtimeFiles() map[string]layerFile {
	files := map[string]layerFile{}
	for _, l := range img.layers {
		if l.annotation != "" {
			continue
		}
		maps.Copy(files, l.files)
	}
	return files
}

// runtimeImageSize is what pulling the runtime costs: its compressed layers
// plus the config.
func (img *imageTarball) runtimeImageSize() int64 {
	var size int64
	for _, l := range img.layers {
		if l.annotation == "" {
			size += l.size
		}
	}
	if size == 0 {
		return 0
	}
	return size + img.configSize
}

// sourceObjects decodes repository files.
func sourceObjects(t *testing.T, paths ...string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		o, err := yamlobj.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		objs = append(objs, o...)
	}
	return objs
}

func sourceIdentities(t *testing.T, paths ...string) []string {
	t.Helper()
	return identities(sourceObjects(t, paths...))
}

func sourceGlob(t *testing.T, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	return paths
}

func objectIdentity(o *unstructured.Unstructured) string { return o.GetKind() + "/" + o.GetName() }

func metaIdentity(o *unstructured.Unstructured) string {
	return o.GetAPIVersion() + " " + o.GetKind() + " " + o.GetName()
}

// identities returns the sorted kind/name of each object.
func identities(objs []*unstructured.Unstructured) []string {
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		ids = append(ids, objectIdentity(o))
	}
	sort.Strings(ids)
	return ids
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
