package fn

import "github.com/platform/function-catalog-api/input/v1beta1"

// KnownRegions returns the regions a CatalogApi may use out of the box. A
// platform team corrects or extends a region through the Input's regions map;
// the XRD therefore checks only the form of a region name, and the function
// refuses a region that is in neither table. Each call returns a fresh map with
// fresh zone slices, so a caller may change what it got without changing the
// table.
//
// Sources (README, "Facts and sources"): ELB account IDs for ALB access logs
// in regions opened before August 2022 as listed by AWS and mirrored in
// terraform-provider-aws's aws_elb_service_account data source; the IDs of
// the AWS managed prefix list com.amazonaws.global.cloudfront.origin-facing
// are not published by AWS and come from public infrastructure code (verify
// with `aws ec2 describe-managed-prefix-lists --filters
// Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`).
func KnownRegions() map[string]v1beta1.RegionSettings {
	return map[string]v1beta1.RegionSettings{
		"eu-north-1":   region("pl-fab65393", "897822967062", "eu-north-1"),
		"eu-west-1":    region("pl-4fa04526", "156460612806", "eu-west-1"),
		"eu-central-1": region("pl-a3a144ca", "054676820928", "eu-central-1"),
		"us-east-1":    region("pl-3b927c52", "127311923021", "us-east-1"),
		"us-west-2":    region("pl-82a045eb", "797873946194", "us-west-2"),
	}
}

func region(prefixList, elbAccount, name string) v1beta1.RegionSettings {
	return v1beta1.RegionSettings{
		CloudFrontPrefixListID: prefixList,
		ELBAccountID:           elbAccount,
		AvailabilityZones:      []string{name + "a", name + "b"},
	}
}
