package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/fake"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// testMeta names composed resources after the XR "api".
func testMeta() Meta {
	return Meta{XRName: "api", ProviderConfig: xpv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: "default"}}
}

// partOf is a part that renders these resources.
func partOf(name string, d ...Desired) Part[struct{}] {
	return Part[struct{}]{Name: name, Build: func(struct{}, Observed) Built { return Built{Resources: d} }}
}

// TestComposeStamps: every rendered managed resource gets its object name,
// its key label, the external-name annotation where its kind takes one, and
// the stack's provider config.
func TestComposeStamps(t *testing.T) {
	named, plain := &fake.ModernManaged{}, &fake.ModernManaged{}
	parts := []Part[struct{}]{partOf("One",
		Desired{Key: "named", Object: named, AWSName: "thing-dev", ExternalName: true},
		Desired{Key: "plain", Object: plain, AWSName: "other-dev", Labels: map[string]string{"extra": "x"}},
	)}
	if _, err := Compose(parts, struct{}{}, testMeta(), nil); err != nil {
		t.Fatal(err)
	}
	if got := named.GetName(); got != "api-named" {
		t.Errorf("object name = %q, want api-named", got)
	}
	if got := named.GetAnnotations()[AnnotationExternalName]; got != "thing-dev" {
		t.Errorf("external name = %q, want thing-dev", got)
	}
	if _, ok := plain.GetAnnotations()[AnnotationExternalName]; ok {
		t.Errorf("a kind named by a field got an external-name annotation")
	}
	if diff := cmp.Diff(map[string]string{LabelResource: "plain", LabelPart: "One", "extra": "x"}, plain.GetLabels()); diff != "" {
		t.Errorf("labels: -want, +got:\n%s", diff)
	}
	want := testMeta().ProviderConfig
	if diff := cmp.Diff(&want, named.GetProviderConfigReference()); diff != "" {
		t.Errorf("providerConfigRef: -want, +got:\n%s", diff)
	}
}

// TestComposeRefuses: an object that takes no provider config, or a key
// rendered twice, is a programming error, not a silent skip.
func TestComposeRefuses(t *testing.T) {
	cases := map[string]struct {
		parts []Part[struct{}]
		want  string
	}{
		"NotManaged": {
			parts: []Part[struct{}]{partOf("One", Desired{Key: "raw", Object: composed.New()})},
			want:  "not a namespaced managed resource",
		},
		"KeyTwice": {
			parts: []Part[struct{}]{
				partOf("One", Desired{Key: "dup", Object: &fake.ModernManaged{}}),
				partOf("Two", Desired{Key: "dup", Object: &fake.ModernManaged{}}),
			},
			want: `part Two renders key "dup" twice`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Compose(tc.parts, struct{}{}, testMeta(), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Compose() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
