package fn

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	ec2 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// TestSetProviderConfig: a managed resource gets the stack's
// ClusterProviderConfig through its interface; an object that takes no
// provider config is a programming error, not a silent skip.
func TestSetProviderConfig(t *testing.T) {
	s := testSpec(t)
	vpc := &ec2.VPC{}
	if err := s.setProviderConfig(Desired{Key: KeyVPC, Object: vpc}); err != nil {
		t.Fatalf("setProviderConfig(VPC): %v", err)
	}
	want := &xpv1.ProviderConfigReference{Kind: "ClusterProviderConfig", Name: DefaultProviderConfigName}
	if diff := cmp.Diff(want, vpc.GetProviderConfigReference()); diff != "" {
		t.Errorf("providerConfigRef (-want +got):\n%s", diff)
	}
	err := s.setProviderConfig(Desired{Key: "not-managed", Object: composed.New()})
	if !errors.Is(err, errNotManaged) {
		t.Errorf("setProviderConfig(unstructured) = %v, want %v", err, errNotManaged)
	}
}
