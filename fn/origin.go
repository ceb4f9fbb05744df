package fn

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
)

// The ALB accepts traffic only from CloudFront: its security group admits
// CloudFront's origin-facing prefix list, and its listener forwards only
// requests that carry the origin-verify header CloudFront adds. The prefix
// list alone would admit any CloudFront distribution, anyone's; the header
// ties the ALB to this stack's distribution.
const (
	// OriginVerifyHeader is the header CloudFront adds and the ALB requires.
	OriginVerifyHeader = "X-Origin-Verify"
	// OriginVerifyCredentials is the name of the pipeline step's
	// credentials (a Secret) holding the platform's origin-verify key.
	OriginVerifyCredentials = "origin-verify"
	// OriginVerifyKey is the key of the key in that Secret.
	OriginVerifyKey = "key"
)

// originVerifyValue derives this XR's header value from the platform's key:
// HMAC-SHA256(key, namespace/name). The key never leaves the function; the
// value is stable across renders and differs per CatalogApi. It is still
// visible in two rendered fields, because provider-aws takes CloudFront
// custom header values and listener rule conditions only as plain strings.
//
// Without a key the value derives from the XR's UID, which anyone who can
// read the XR can see: the function warns about it.
func originVerifyValue(req *fnv1.RunFunctionRequest, uid, namespace, name string) (value string, keyed bool) {
	key := req.GetCredentials()[OriginVerifyCredentials].GetCredentialData().GetData()[OriginVerifyKey]
	msg := []byte(namespace + "/" + name)
	if len(key) == 0 {
		key, keyed = []byte("unkeyed/"+uid), false
	} else {
		keyed = true
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(msg)
	return hex.EncodeToString(mac.Sum(nil))[:40], keyed
}

// originVerifyValueOf is this XR's header value; without the platform's key
// it warns on the XR that the value derives from the XR's UID.
func originVerifyValueOf(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Spec, uid string) string {
	v, keyed := originVerifyValue(req, uid, s.XRNamespace, s.XRName)
	if !keyed {
		response.Warning(rsp, errors.Errorf("no %q credentials with key %q: the %s header value derives from the XR's UID; give the pipeline step a Secret with a random key", OriginVerifyCredentials, OriginVerifyKey, OriginVerifyHeader)).TargetComposite()
	}
	return v
}
