package fn

import (
	acm "github.com/upbound/provider-aws/v2/apis/namespaced/acm/v1beta1"
	route53 "github.com/upbound/provider-aws/v2/apis/namespaced/route53/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the domain part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyCertificate                 = "certificate"
	KeyCertificateValidationRecord = "dns-record-certificate-validation"
	KeyCertificateValidation       = "certificate-validation"
	KeyDNSRecordA                  = "dns-record-a"
	KeyDNSRecordAAAA               = "dns-record-aaaa"
)

// Properties of the domain part.
const (
	// CertificateRegion is where CloudFront takes ACM certificates from,
	// whatever the stack's region (CloudFront developer guide,
	// "Requirements for using SSL/TLS certificates with CloudFront").
	CertificateRegion = "us-east-1"
	// CloudFrontHostedZoneID is the Route 53 hosted zone of every
	// CloudFront distribution's domain name, the zone an alias record to a
	// distribution names (Route 53 API reference, AliasTarget).
	CloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
	// ViewerMinimumProtocol is the distribution's security policy with a
	// custom certificate: TLS 1.2 or later for viewers.
	ViewerMinimumProtocol = "TLSv1.2_2021"
	// validationRecordTTL is the TTL of the DNS validation record, seconds.
	validationRecordTTL = 300
)

// buildDomain renders, for a CatalogApi with spec.domain, the certificate
// CloudFront serves the domain with and the DNS records in the team's
// hosted zone; without spec.domain it renders nothing.
//
// Phases: the certificate renders at once, in us-east-1 through the
// resource's own region (the provider config reaches every region). Its
// DNS validation record needs the name and value ACM assigns
// (status.atProvider.domainValidationOptions), the validation resource
// needs that record's name, and the A and AAAA alias records need the
// distribution's domain name and the distribution serving the domain as
// an alias (cdn.go renders the alias once the validation is Ready).
func buildDomain(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	if s.Domain == "" {
		return b
	}
	b.Add(certificate(s))
	rec, ok := validationRecordOf(o)
	if !ok {
		b.Waitf("waiting for ACM's DNS validation record of %s (status.atProvider.domainValidationOptions of %s)", s.Domain, KeyCertificate)
		return b
	}
	b.Add(validationRecord(s, rec), certificateValidation(s, rec))
	target := DistributionDomainName(o)
	if target == "" || !distributionServesDomain(s, o) {
		b.Waitf("waiting for the CloudFront distribution to serve %s (its alias, once %s is Ready) before the A and AAAA records point at it", s.Domain, KeyCertificateValidation)
		return b
	}
	b.Add(aliasRecord(s, KeyDNSRecordA, "A", target), aliasRecord(s, KeyDNSRecordAAAA, "AAAA", target))
	return b
}

// dnsRecord is a DNS record ACM asks for.
type dnsRecord struct{ Name, Type, Value string }

// validationRecordOf is the certificate's DNS validation record as ACM
// reports it, and whether it is known; the validation record resource, once
// rendered, keeps the values it was rendered with.
func validationRecordOf(o engine.Observed) (dnsRecord, bool) {
	const opt = "status.atProvider.domainValidationOptions[0]."
	r := dnsRecord{
		Name:  o.GetString(KeyCertificate, opt+"resourceRecordName"),
		Type:  o.GetString(KeyCertificate, opt+"resourceRecordType"),
		Value: o.GetString(KeyCertificate, opt+"resourceRecordValue"),
	}
	if r.Name == "" || r.Value == "" {
		r = dnsRecord{
			Name:  o.GetString(KeyCertificateValidationRecord, "spec.forProvider.name"),
			Type:  o.GetString(KeyCertificateValidationRecord, "spec.forProvider.type"),
			Value: o.GetString(KeyCertificateValidationRecord, "spec.forProvider.records[0]"),
		}
	}
	return r, r.Name != "" && r.Type != "" && r.Value != ""
}

// certificate is the public ACM certificate of spec.domain.name, validated
// by DNS. ACM renews it as long as the validation record exists.
func certificate(s *Spec) engine.Desired {
	name := s.Name("certificate")
	return engine.Desired{
		Key: KeyCertificate, AWSName: name,
		Immutable: []engine.Immutable{{Field: "spec.domain.name", Path: "spec.forProvider.domainName", Why: "an ACM certificate cannot change its domain name in place"}},
		Object: &acm.Certificate{Spec: acm.CertificateSpec{ForProvider: acm.CertificateParameters{
			Region:           new(CertificateRegion),
			Tags:             s.Tags(name),
			DomainName:       new(s.Domain),
			ValidationMethod: new("DNS"),
		}}},
	}
}

// validationRecord is the CNAME ACM checks, in the team's hosted zone.
// allowOverwrite: ACM gives the same record to every certificate of the
// name, so a record left by an earlier certificate is taken over.
func validationRecord(s *Spec, r dnsRecord) engine.Desired {
	return engine.Desired{Key: KeyCertificateValidationRecord, AWSName: r.Name, Object: &route53.Record{
		Spec: route53.RecordSpec{ForProvider: route53.RecordParameters{
			ZoneID:         new(s.HostedZoneID),
			Name:           new(r.Name),
			Type:           new(r.Type),
			Records:        []*string{new(r.Value)},
			TTL:            f64(validationRecordTTL),
			AllowOverwrite: new(true),
		}},
	}}
}

// certificateValidation waits, in AWS, until ACM has issued the
// certificate: it is Ready once the certificate can be used.
func certificateValidation(s *Spec, r dnsRecord) engine.Desired {
	return engine.Desired{
		Key: KeyCertificateValidation, AWSName: s.Name("certificate-validation"),
		Readiness: engine.Readiness{Hint: "ACM issues a DNS-validated certificate within minutes of the record resolving; check the hosted zone ID if it takes longer"},
		Object: &acm.CertificateValidation{Spec: acm.CertificateValidationSpec{ForProvider: acm.CertificateValidationParameters{
			Region:                new(CertificateRegion),
			CertificateArnRef:     s.Ref(KeyCertificate),
			ValidationRecordFqdns: []*string{new(r.Name)},
		}}},
	}
}

// aliasRecord points the domain at the distribution (recordType A or
// AAAA; the distribution has IPv6 enabled).
func aliasRecord(s *Spec, key, recordType, target string) engine.Desired {
	return engine.Desired{Key: key, AWSName: s.Domain, Object: &route53.Record{
		Spec: route53.RecordSpec{ForProvider: route53.RecordParameters{
			ZoneID: new(s.HostedZoneID),
			Name:   new(s.Domain),
			Type:   new(recordType),
			Alias: &route53.AliasParameters{
				Name:                 new(target),
				ZoneID:               new(CloudFrontHostedZoneID),
				EvaluateTargetHealth: new(false),
			},
		}},
	}}
}

// certificateARN is the ARN the distribution serves the domain with: the
// certificate's, once its validation is Ready, or the one the distribution
// was rendered with; "" while neither is known.
func certificateARN(o engine.Observed) string {
	if o.Ready(KeyCertificateValidation) {
		if arn := o.GetString(KeyCertificate, "status.atProvider.arn"); arn != "" {
			return arn
		}
	}
	return o.GetString(KeyDistribution, "spec.forProvider.viewerCertificate.acmCertificateArn")
}

// distributionServesDomain reports whether the observed distribution was
// rendered with the domain as its alias.
func distributionServesDomain(s *Spec, o engine.Observed) bool {
	return o.GetString(KeyDistribution, "spec.forProvider.aliases[0]") == s.Domain
}

// domainURL is the https URL of spec.domain once its A record is Ready,
// else "".
func domainURL(s *Spec, o engine.Observed) string {
	if s.Domain == "" || !o.Ready(KeyDNSRecordA) {
		return ""
	}
	return "https://" + s.Domain
}
