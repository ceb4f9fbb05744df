package fn

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
)

// testXR is a CatalogApi as an application team writes it.
const testXR = `{
	"apiVersion": "catalog.example.org/v1alpha1",
	"kind": "CatalogApi",
	"metadata": {"name": "catalog-api", "namespace": "team-catalog"},
	"spec": {"environmentSuffix": "dev", "image": "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.0"}
}`

// newRequest is a request as Crossplane sends it with the Composition of
// apis/composition.yaml: the XR and what is observed.
func newRequest(xr string, observed map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	req := &fnv1.RunFunctionRequest{
		Meta: &fnv1.RequestMeta{Tag: "test"},
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xr)},
			Resources: observed,
		},
		// Crossplane has supplied the claim markers of the suffix: none
		// but this CatalogApi's own.
		RequiredResources: map[string]*fnv1.Resources{RequirementSuffixClaims: {}},
	}
	return req
}

func run(tb testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	tb.Helper()
	rsp, err := NewFunction(logging.NewNopLogger()).RunFunction(context.Background(), req)
	if err != nil {
		tb.Fatalf("RunFunction returned an error (errors must be Fatal results): %v", err)
	}
	return rsp
}

func fatalResponse(msg string) *fnv1.RunFunctionResponse {
	return &fnv1.RunFunctionResponse{
		Meta: &fnv1.ResponseMeta{Tag: "test", Ttl: durationpb.New(response.DefaultTTL)},
		Results: []*fnv1.Result{{
			Severity: fnv1.Severity_SEVERITY_FATAL,
			Message:  msg,
			Target:   fnv1.Target_TARGET_COMPOSITE.Enum(),
		}},
	}
}

// TestRunFunctionRejectsBadInput: bad input renders nothing and the Fatal
// result names every field, value and rule.
func TestRunFunctionRejectsBadInput(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     string
		want   *fnv1.RunFunctionResponse
	}{
		"MissingRequiredFields": {
			reason: "environmentSuffix and image are required",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.environmentSuffix: invalid value "": is required; spec.image: invalid value "": is required`),
		},
		"MinTasksAboveMaxTasks": {
			reason: "the scaling range must not be empty",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"dev","image":"nginx:1.27","scaling":{"minTasks":5,"maxTasks":3}}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.scaling.minTasks: invalid value 5: must be less than or equal to spec.scaling.maxTasks (3)`),
		},
		"OnDemandBaseAboveMaxTasks": {
			reason: "more on-demand tasks than the service can ever run is not a strategy",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"dev","image":"nginx:1.27","service":{"onDemandBaseTasks":4},"scaling":{"maxTasks":3}}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.service.onDemandBaseTasks: invalid value 4: must be less than or equal to spec.scaling.maxTasks (3)`),
		},
		"OnDemandBaseNegative": {
			reason: "a task count cannot be negative",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"dev","image":"nginx:1.27","service":{"onDemandBaseTasks":-1}}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.service.onDemandBaseTasks: invalid value -1: must be between 0 and 50`),
		},
		"InstanceClassTooSmall": {
			reason: "db.t3.medium is the smallest allowed class",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"dev","image":"nginx:1.27","database":{"instanceClass":"db.t3.micro"}}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.database.instanceClass: invalid value "db.t3.micro": must be db.t3.medium or larger, one of ` + strings.Join(AllowedInstanceClasses(), ", ")),
		},
		"SuffixTooLong": {
			reason: "every derived name must fit its AWS limit",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"a-very-long-environment-name","image":"nginx:1.27"}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.environmentSuffix: invalid value "a-very-long-environment-name": must be 2 to 20 characters long`),
		},
		"UnknownRegion": {
			reason: "only regions with known facts can be used",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"dev","image":"nginx:1.27","region":"mars-east-1"}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.region: invalid value "mars-east-1": must be one of eu-central-1, eu-north-1, eu-west-1, us-east-1, us-west-2`),
		},
		"VpcCidrTooSmall": {
			reason: "four /24 subnets must fit",
			xr:     `{"apiVersion":"catalog.example.org/v1alpha1","kind":"CatalogApi","metadata":{"name":"a","namespace":"n"},"spec":{"environmentSuffix":"dev","image":"nginx:1.27","network":{"vpcCidr":"10.0.0.0/26"}}}`,
			want:   fatalResponse(`invalid CatalogApi: spec.network.vpcCidr: invalid value "10.0.0.0/26": prefix length must be between /16 and /22 so that four subnets of at least /24 fit`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := run(t, newRequest(tc.xr, nil))
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("%s: RunFunction() -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestRunFunctionIsDeterministic: the same request gives byte-identical
// responses, so Crossplane sees no spurious changes.
func TestRunFunctionIsDeterministic(t *testing.T) {
	for name, obs := range testPhases(t) {
		t.Run(name, func(t *testing.T) {
			opts := proto.MarshalOptions{Deterministic: true}
			a, err := opts.Marshal(run(t, newRequest(testXR, obs)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := opts.Marshal(run(t, newRequest(testXR, obs)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("two renders of the same request differ (%d vs %d bytes)", len(a), len(b))
			}
		})
	}
}

// TestRunFunctionNeverDropsObserved: whatever is observed is rendered again,
// even a resource no part renders any more.
func TestRunFunctionNeverDropsObserved(t *testing.T) {
	obs := testPhases(t)["Complete"]
	obs["legacy-bucket"] = &fnv1.Resource{Resource: resource.MustStructJSON(`{
		"apiVersion": "s3.aws.m.upbound.io/v1beta1", "kind": "Bucket",
		"metadata": {"name": "catalog-api-legacy-bucket", "annotations": {"crossplane.io/external-name": "legacy-dev"}},
		"spec": {"forProvider": {"region": "eu-north-1"}},
		"status": {"atProvider": {"id": "legacy-dev"}}}`)}
	rsp := run(t, newRequest(testXR, obs))
	for key := range obs {
		if _, ok := rsp.GetDesired().GetResources()[key]; !ok {
			t.Errorf("observed resource %q was dropped from the desired state", key)
		}
	}
	kept := rsp.GetDesired().GetResources()["legacy-bucket"].GetResource().AsMap()
	if diff := cmp.Diff(map[string]any{"forProvider": map[string]any{"region": "eu-north-1"}}, kept["spec"]); diff != "" {
		t.Errorf("kept resource's spec changed (-want +got):\n%s", diff)
	}
	if _, ok := kept["status"]; ok {
		t.Errorf("kept resource must not carry its observed status into the desired state")
	}
	var warned bool
	for _, r := range rsp.GetResults() {
		warned = warned || (r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING && strings.Contains(r.GetMessage(), `"legacy-bucket"`))
	}
	if !warned {
		t.Errorf("no warning result names the kept resource")
	}
}
