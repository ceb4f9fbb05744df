package fn

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	acm "github.com/upbound/provider-aws/v2/apis/namespaced/acm/v1beta1"
	route53 "github.com/upbound/provider-aws/v2/apis/namespaced/route53/v1beta1"
)

const (
	testDomain  = "api.catalog.example.com"
	testZone    = "Z0123456789ABCDEFGHIJ"
	testCertARN = "arn:aws:acm:us-east-1:123456789012:certificate/0c1c2c3c-0000-4000-8000-000000000001"
	testWebACL  = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/catalog/0123abcd-0000-4000-8000-000000000001"
)

func withDomain() specOption {
	return withSpecField("domain", map[string]any{"name": testDomain, "hostedZoneId": testZone})
}

func observedCertificate() observedResource {
	return observedResource{key: KeyCertificate, ready: true, atProvider: map[string]any{
		"arn": testCertARN,
		"domainValidationOptions": []any{map[string]any{
			"resourceRecordName": "_abc." + testDomain + ".", "resourceRecordType": "CNAME", "resourceRecordValue": "_def.acm-validations.aws.",
		}},
	}}
}

// distributionWithAlias is the observed distribution rendered with the
// domain as its alias.
func distributionWithAlias() observedResource {
	d := observedDistribution(true, albDNS, "Deployed")
	fp, _ := d.spec["forProvider"].(map[string]any)
	fp["aliases"] = []any{testDomain}
	fp["viewerCertificate"] = map[string]any{"acmCertificateArn": testCertARN}
	return d
}

// TestDomainPhases: the certificate first, then the validation record and
// validation, then the alias records once the distribution serves the
// domain; nothing without spec.domain.
func TestDomainPhases(t *testing.T) {
	cases := map[string]struct {
		opts     []specOption
		observed []observedResource
		want     []string
		waiting  bool
	}{
		"NoDomain":         {observed: []observedResource{observedCertificate(), distributionWithAlias()}, want: []string{}},
		"Nothing":          {opts: []specOption{withDomain()}, want: []string{KeyCertificate}, waiting: true},
		"CertificateKnown": {opts: []specOption{withDomain()}, observed: []observedResource{observedCertificate()}, want: []string{KeyCertificate, KeyCertificateValidationRecord, KeyCertificateValidation}, waiting: true},
		"Serving": {
			opts:     []specOption{withDomain()},
			observed: []observedResource{observedCertificate(), distributionWithAlias()},
			want:     []string{KeyCertificate, KeyCertificateValidationRecord, KeyCertificateValidation, KeyDNSRecordA, KeyDNSRecordAAAA},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildDomain(testSpec(t, tc.opts...), observedOf(t, tc.observed...))
			if diff := cmp.Diff(tc.want, renderedKeys(b)); diff != "" {
				t.Errorf("rendered (-want +got):\n%s", diff)
			}
			if (len(b.Waiting) > 0) != tc.waiting {
				t.Errorf("Waiting = %v, want waiting %v", b.Waiting, tc.waiting)
			}
		})
	}
}

// TestDomainResources: the certificate is in us-east-1 whatever the
// stack's region; the records are in the team's zone; the alias records
// point at the distribution through CloudFront's hosted zone.
func TestDomainResources(t *testing.T) {
	s := testSpec(t, withDomain(), withSpecField("region", "eu-west-1"))
	b := buildDomain(s, observedOf(t, observedCertificate(), distributionWithAlias()))
	c := objectByKey[*acm.Certificate](t, b, KeyCertificate).Spec.ForProvider
	if got := []string{*c.Region, *c.DomainName, *c.ValidationMethod}; !cmp.Equal(got, []string{"us-east-1", testDomain, "DNS"}) {
		t.Errorf("certificate = %v", got)
	}
	v := objectByKey[*route53.Record](t, b, KeyCertificateValidationRecord).Spec.ForProvider
	if got := []string{*v.ZoneID, *v.Name, *v.Type, *v.Records[0]}; !cmp.Equal(got, []string{testZone, "_abc." + testDomain + ".", "CNAME", "_def.acm-validations.aws."}) {
		t.Errorf("validation record = %v", got)
	}
	cv := objectByKey[*acm.CertificateValidation](t, b, KeyCertificateValidation).Spec.ForProvider
	if *cv.Region != "us-east-1" || refName(cv.CertificateArnRef) != s.ObjectName(KeyCertificate) || *cv.ValidationRecordFqdns[0] != *v.Name {
		t.Errorf("validation = %+v", cv)
	}
	for key, typ := range map[string]string{KeyDNSRecordA: "A", KeyDNSRecordAAAA: "AAAA"} {
		r := objectByKey[*route53.Record](t, b, key).Spec.ForProvider
		got := []any{*r.ZoneID, *r.Name, *r.Type, *r.Alias.Name, *r.Alias.ZoneID, *r.Alias.EvaluateTargetHealth}
		want := []any{testZone, testDomain, typ, "d111111abcdef8.cloudfront.net", CloudFrontHostedZoneID, false}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", key, diff)
		}
	}
}

// TestDistributionDomain: the distribution takes the alias and the
// certificate (SNI, TLS 1.2) only once the validation is Ready, and the
// web ACL whenever it is given.
func TestDistributionDomain(t *testing.T) {
	base := []observedResource{observedALB(albDNS), observedVPCOrigin(vpcOriginID), observedCertificate()}
	cases := map[string]struct {
		opts      []specOption
		validated bool
		want      []any // aliases, default certificate, ACM ARN, minimum protocol, web ACL
	}{
		"NoDomain":       {want: []any{[]string{}, true, "", "", ""}},
		"NotValidated":   {opts: []specOption{withDomain()}, want: []any{[]string{}, true, "", "", ""}},
		"Validated":      {opts: []specOption{withDomain()}, validated: true, want: []any{[]string{testDomain}, false, testCertARN, "TLSv1.2_2021", ""}},
		"WebACLNoDomain": {opts: []specOption{withSpecField("edge", map[string]any{"webAclArn": testWebACL})}, want: []any{[]string{}, true, "", "", testWebACL}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obs := base
			if tc.validated {
				obs = append(obs, observedReady(KeyCertificateValidation))
			}
			_, dist := distributionOf(t, buildCDN(testSpec(t, tc.opts...), observedOf(t, obs...)))
			p := dist.Spec.ForProvider
			got := []any{derefStrings(p.Aliases), deref(p.ViewerCertificate.CloudfrontDefaultCertificate) == true, str0(p.ViewerCertificate.AcmCertificateArn), str0(p.ViewerCertificate.MinimumProtocolVersion), str0(p.WebACLID)}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func str0(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestDomainStatusURL: status.url is the domain once its A record is
// Ready, the distribution's domain name before.
func TestDomainStatusURL(t *testing.T) {
	s := testSpec(t, withDomain())
	cf := observedResource{key: KeyDistribution, atProvider: map[string]any{"domainName": "d111111abcdef8.cloudfront.net"}}
	if got := Status(s, observedOf(t, cf)).URL; got != "https://d111111abcdef8.cloudfront.net" {
		t.Errorf("before the record: %q", got)
	}
	if got := Status(s, observedOf(t, cf, observedReady(KeyDNSRecordA))).URL; got != "https://"+testDomain {
		t.Errorf("with the record Ready: %q", got)
	}
}

// TestDomainAndEdgeRefused: the function's own checks name the field and
// the rule.
func TestDomainAndEdgeRefused(t *testing.T) {
	cases := map[string]struct {
		opt  specOption
		want string
	}{
		"NoZone":      {withSpecField("domain", map[string]any{"name": testDomain}), "spec.domain.hostedZoneId: invalid value \"\": is required with spec.domain"},
		"NoName":      {withSpecField("domain", map[string]any{"hostedZoneId": testZone}), "spec.domain.name: invalid value \"\": is required with spec.domain"},
		"UpperCase":   {withSpecField("domain", map[string]any{"name": "API.example.com", "hostedZoneId": testZone}), "spec.domain.name: invalid value \"API.example.com\""},
		"BadZone":     {withSpecField("domain", map[string]any{"name": testDomain, "hostedZoneId": "zone1"}), "spec.domain.hostedZoneId: invalid value \"zone1\""},
		"RegionalACL": {withSpecField("edge", map[string]any{"webAclArn": strings.Replace(testWebACL, ":global/", ":regional/", 1)}), "spec.edge.webAclArn: invalid value"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := newTestSpec(tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
