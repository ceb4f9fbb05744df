package fn

import (
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

func withOriginKey(req *fnv1.RunFunctionRequest, key string) *fnv1.RunFunctionRequest {
	req.Credentials = map[string]*fnv1.Credentials{
		OriginVerifyCredentials: {Source: &fnv1.Credentials_CredentialData{
			CredentialData: &fnv1.CredentialData{Data: map[string][]byte{OriginVerifyKey: []byte(key)}},
		}},
	}
	return req
}

func warnings(rsp *fnv1.RunFunctionResponse) []string {
	var out []string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
			out = append(out, r.GetMessage())
		}
	}
	return out
}

// TestOriginVerifyHeader: CloudFront sends exactly the value the ALB
// listener rule requires; the value comes from the platform's key (HMAC),
// differs per key, and a missing key is warned about.
func TestOriginVerifyHeader(t *testing.T) {
	obs := testPhases(t)["Complete"]
	values := map[string]string{}
	for name, key := range map[string]string{"KeyA": "platform-key-a", "KeyB": "platform-key-b", "NoKey": ""} {
		req := withOriginKey(newRequest(testXR, obs), key)
		if key == "" {
			req.Credentials = nil
		}
		rsp := run(t, req)
		res := rsp.GetDesired().GetResources()
		sent := str(res[KeyDistribution].GetResource().AsMap(), "spec.forProvider.origin[0].customHeader[0].value")
		required := str(res[KeyListenerRule].GetResource().AsMap(), "spec.forProvider.condition[0].httpHeader.values[0]")
		if sent == "" || sent != required {
			t.Errorf("%s: CloudFront sends %q, the ALB requires %q", name, sent, required)
		}
		if strings.Contains(sent, key) && key != "" {
			t.Errorf("%s: the header value contains the key itself", name)
		}
		warned := strings.Contains(strings.Join(warnings(rsp), "\n"), OriginVerifyCredentials)
		if warned != (key == "") {
			t.Errorf("%s: warned about the missing key = %v, want %v", name, warned, key == "")
		}
		values[name] = sent
	}
	if values["KeyA"] == values["KeyB"] || values["KeyA"] == values["NoKey"] {
		t.Errorf("header values do not depend on the key: %v", values)
	}
}
