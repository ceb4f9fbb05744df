package fn

import (
	"sync"

	acmv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/acm/v1beta1"
	appautoscalingv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/appautoscaling/v1beta1"
	cloudfrontv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/cloudfront/v1beta1"
	cloudwatchv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatch/v1beta1"
	cloudwatcheventsv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchevents/v1beta1"
	cloudwatchlogsv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/cloudwatchlogs/v1beta1"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/ec2/v1beta1"
	ecsv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/ecs/v1beta1"
	elbv2v1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/elbv2/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/iam/v1beta1"
	rdsv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/rds/v1beta1"
	route53v1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/route53/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/s3/v1beta1"
	sfnv1beta1 "github.com/upbound/provider-aws/v2/apis/namespaced/sfn/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"

	protectionv1beta1 "github.com/crossplane/crossplane/apis/v2/protection/v1beta1"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

var registerOnce sync.Once

// RegisterTypes adds the provider API types the function composes to
// composed.Scheme, once per process: the scheme is not safe to mutate while
// requests read it.
func RegisterTypes() {
	registerOnce.Do(func() {
		add := []func(*runtime.Scheme) error{
			acmv1beta1.AddToScheme,
			appautoscalingv1beta1.AddToScheme,
			cloudfrontv1beta1.AddToScheme,
			cloudwatchv1beta1.AddToScheme,
			cloudwatcheventsv1beta1.AddToScheme,
			cloudwatchlogsv1beta1.AddToScheme,
			ec2v1beta1.AddToScheme,
			ecsv1beta1.AddToScheme,
			elbv2v1beta1.AddToScheme,
			iamv1beta1.AddToScheme,
			rdsv1beta1.AddToScheme,
			route53v1beta1.AddToScheme,
			s3v1beta1.AddToScheme,
			sfnv1beta1.AddToScheme,
			protectionv1beta1.AddToScheme, // Usages (usages.go).
		}
		for _, fn := range add {
			if err := fn(composed.Scheme); err != nil {
				panic(err) // Only a programming error can fail here.
			}
		}
	})
}
