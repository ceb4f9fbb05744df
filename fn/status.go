package fn

import (
	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// Status derives the XR's status from the spec and what is observed. A
// value appears as soon as AWS knows it.
func Status(s *Spec, o engine.Observed) v1alpha1.CatalogApiStatus {
	st := v1alpha1.CatalogApiStatus{
		Region:              s.Region,
		LoadBalancerDNSName: LoadBalancerDNSName(o),
		LogGroups:           LogGroupNames(s),
		AccessLogBucket:     LogBucketName(s),
		DefaultsRevision:    s.Defaults.Revision,
		// The estimate depends on the spec only: it is there from the start.
		EstimatedMonthlyCost: EstimatedMonthlyCost(s),
		Service: &v1alpha1.ServiceStatus{
			ClusterName:    ECSClusterName(s),
			ServiceName:    ECSServiceName(s),
			TaskDefinition: o.GetString(KeyService, "spec.forProvider.taskDefinition"),
		},
	}
	if d := DistributionDomainName(o); d != "" {
		st.URL = "https://" + d
	}
	if u := domainURL(s, o); u != "" {
		st.URL = u
	}
	db := v1alpha1.DatabaseStatus{
		Endpoint:       DatabaseEndpoint(o),
		ReaderEndpoint: DatabaseReaderEndpoint(o),
		SecretArn:      DatabaseSecretARN(o),
	}
	if db != (v1alpha1.DatabaseStatus{}) {
		st.Database = &db
	}
	return st
}
