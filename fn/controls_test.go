package fn

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/crossplane/crossplane-runtime/v2/pkg/fieldpath"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/platform/function-catalog-api/internal/fntest"
)

// The security review of the rendered stack. Each control is named after the
// AWS Foundational Security Best Practices control it implements, or "CP.*"
// (a project control) where FSBP has none. TestSecurityControls runs every
// control over every render of every lifecycle phase of several CatalogApis;
// TestSecurityControlsCanFail breaks each control's resources on the
// converged stack and requires the control to notice.

type stack = map[string]map[string]any

type control struct {
	id, title string
	check     func(s stack) []string // violations
	breakIt   func(s stack)          // makes the converged stack violate it
}

func securityControls() []control {
	return slices.Concat(networkControls(), serviceControls(), dataControls(), edgeAndIdentityControls())
}

// networkControls are the controls of the network: security groups, flow logs, subnets and traffic between tiers.
func networkControls() []control {
	return []control{
		{
			"EC2.18", "security groups allow no unrestricted ingress", noOpenIngress,
			func(s stack) { set(s, KeyRuleALBFromCloudFront, "spec.forProvider.cidrIpv4", "0.0.0.0/0") },
		},
		{
			"EC2.6", "VPC flow logging is enabled for all traffic", flowLogsOn,
			func(s stack) { set(s, KeyFlowLog, "spec.forProvider.trafficType", "REJECT") },
		},
		{
			"EC2.2", "the VPC's default security group allows no traffic", defaultGroupClosed,
			func(s stack) {
				set(s, KeyDefaultSG, "spec.forProvider.egress", []any{map[string]any{"cidrBlocks": []any{"0.0.0.0/0"}}})
			},
		},
		{
			"EC2.15", "subnets do not assign public IPs automatically", noAutoPublicIP,
			func(s stack) { set(s, KeyPublicSubnet(0), "spec.forProvider.mapPublicIpOnLaunch", true) },
		},
		{
			"CP.INGRESS", "tasks and database accept traffic only from their one upstream", tierIngress,
			func(s stack) {
				set(s, KeyRuleDatabaseFromTasks, "spec.forProvider.referencedSecurityGroupIdRef.name", "x")
			},
		},
		{
			"CP.EGRESS", "egress is limited to what each tier needs", egressLimited,
			func(s stack) { set(s, KeyRuleTasksToHTTPS, "spec.forProvider.toPort", float64(65535)) },
		},
	}
}

// serviceControls are the controls of ECS and the load balancer.
func serviceControls() []control {
	return []control{
		{
			"ECS.2", "ECS services get no public IP addresses", servicesPrivate,
			func(s stack) { set(s, KeyService, "spec.forProvider.networkConfiguration.assignPublicIp", true) },
		},
		{
			"ECS.8", "secrets are not passed as environment variables", noSecretEnv,
			func(s stack) {
				setTaskDefs(s, `[{"name":"catalog-api","environment":[{"name":"DB_PASSWORD","value":"x"}]}]`)
			},
		},
		{
			"ECS.9", "task definitions send container logs to CloudWatch", taskLogging,
			func(s stack) { setTaskDefs(s, `[{"name":"catalog-api"}]`) },
		},
		{
			"ECS.12", "ECS clusters use Container Insights", containerInsights,
			func(s stack) { set(s, KeyECSCluster, "spec.forProvider.setting", []any{}) },
		},
		{
			"ELB.4", "the ALB drops invalid HTTP headers", dropsInvalidHeaders,
			func(s stack) { set(s, KeyLoadBalancer, "spec.forProvider.dropInvalidHeaderFields", false) },
		},
		{
			"ELB.5", "ALB access logging is enabled", albLogging,
			func(s stack) { set(s, KeyLoadBalancer, "spec.forProvider.accessLogs.enabled", false) },
		},
		{
			"CP.ORIGIN", "the ALB is internal, in the private subnets, and CloudFront reaches it only through its VPC origin", originPrivate,
			func(s stack) { set(s, KeyLoadBalancer, "spec.forProvider.internal", false) },
		},
	}
}

// dataControls are the controls of Aurora and the access-log bucket.
func dataControls() []control {
	return []control{
		{
			"RDS.27", "Aurora storage is encrypted", auroraEncrypted,
			func(s stack) { set(s, KeyDBCluster, "spec.forProvider.storageEncrypted", false) },
		},
		{
			"RDS.2", "database instances are not publicly accessible", dbPrivate,
			func(s stack) { set(s, KeyDBReader, "spec.forProvider.publiclyAccessible", true) },
		},
		{
			"RDS.26", "Aurora keeps automatic backups", auroraBackups,
			func(s stack) { set(s, KeyDBCluster, "spec.forProvider.backupRetentionPeriod", float64(0)) },
		},
		{
			"CP.DBPASS", "the master password is generated and kept by RDS in Secrets Manager", managedPassword,
			func(s stack) { set(s, KeyDBCluster, "spec.forProvider.manageMasterUserPassword", false) },
		},
		{
			"S3.8", "the log bucket blocks public access", bucketPrivate,
			func(s stack) { set(s, KeyLogBucketPublicAccess, "spec.forProvider.restrictPublicBuckets", false) },
		},
		{
			"S3.5", "the log bucket denies requests without TLS", bucketTLSOnly,
			func(s stack) {
				set(s, KeyLogBucketPolicy, "spec.forProvider.policy", `{"Version":"2012-10-17","Statement":[]}`)
			},
		},
		{
			"S3.17", "the log bucket is encrypted at rest", bucketEncrypted,
			func(s stack) { set(s, KeyLogBucketEncryption, "spec.forProvider.rule", []any{}) },
		},
		{
			"S3.13", "the log bucket expires objects", bucketLifecycle,
			func(s stack) { set(s, KeyLogBucketLifecycle, "spec.forProvider.rule[0].status", "Disabled") },
		},
	}
}

// edgeAndIdentityControls are the controls of CloudFront, IAM and secrets.
func edgeAndIdentityControls() []control {
	return []control{
		{
			"CloudFront.3", "viewers are redirected to HTTPS", viewersHTTPS,
			func(s stack) {
				set(s, KeyDistribution, "spec.forProvider.defaultCacheBehavior.viewerProtocolPolicy", "allow-all")
			},
		},
		{
			"CloudFront.5", "CloudFront logging is enabled", cloudFrontLogging,
			func(s stack) { set(s, KeyDistribution, "spec.forProvider.loggingConfig", nil) },
		},
		{
			"CloudFront.10", "no deprecated SSL/TLS versions towards the origin", originTLS12,
			func(s stack) {
				set(s, KeyVPCOrigin, "spec.forProvider.vpcOriginEndpointConfig.originSslProtocols.items", []any{"SSLv3", "TLSv1.2"})
			},
		},
		{
			"IAM.21", "no wildcard actions, and resource * only where AWS requires it", iamLeastPrivilege,
			func(s stack) {
				set(s, KeyTaskRole+"-policy", "spec.forProvider.policy", `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}`)
				s[KeyTaskRole+"-policy"]["kind"] = "RolePolicy"
			},
		},
		{
			"CP.SECRET", "no rendered field carries a password or secret value", noPlainSecrets,
			func(s stack) { set(s, KeyDBCluster, "spec.forProvider.masterPassword", "hunter2") },
		},
	}
}

// securityScenarios are the CatalogApis the suite renders in every phase.
func securityScenarios() map[string]string {
	return map[string]string{
		"Example": testXR,
		"Custom": strings.Replace(testXR, `"environmentSuffix": "dev",`, `"environmentSuffix": "prod-eu", "region": "eu-west-1",
		"network": {"vpcCidr": "172.20.0.0/20"}, "service": {"env": [{"name": "LOG_LEVEL", "value": "debug"}]},
		"database": {"instanceClass": "db.r6g.large"},`, 1),
		"DockerHubImage": strings.Replace(testXR, "123456789012.dkr.ecr.eu-north-1.amazonaws.com/catalog-api:1.0.0", "nginx:1.27", 1),
	}
}

func TestSecurityControls(t *testing.T) {
	renders := map[string]stack{}
	for name, xr := range securityScenarios() {
		for i, obs := range converge(t, xr) {
			if i == 0 {
				continue // The claim render holds only the VPC; TestClaim* cover it.
			}
			rsp := run(t, newRequest(xr, obs))
			if msg := fntest.FatalMessage(rsp); msg != "" {
				t.Fatalf("%s: %s", name, msg)
			}
			renders[fmt.Sprintf("%s/render-%d", name, i+1)] = toStack(rsp)
		}
	}
	for _, c := range securityControls() {
		t.Run(c.id+" "+c.title, func(t *testing.T) {
			for _, name := range slices.Sorted(maps.Keys(renders)) {
				for _, v := range c.check(renders[name]) {
					t.Errorf("%s: %s", name, v)
				}
			}
		})
	}
}

// TestSecurityControlsCanFail: every control notices its own violation on
// the converged stack, so none passes only because it reads nothing.
func TestSecurityControlsCanFail(t *testing.T) {
	full := toStack(run(t, newRequest(testXR, testPhases(t)["Complete"])))
	for _, c := range securityControls() {
		t.Run(c.id, func(t *testing.T) {
			broken := deepCopy(t, full)
			c.breakIt(broken)
			if len(c.check(broken)) == 0 {
				t.Errorf("%s did not notice its violation", c.id)
			}
		})
	}
}

func toStack(rsp *fnv1.RunFunctionResponse) stack {
	s := stack{}
	for k, r := range rsp.GetDesired().GetResources() {
		s[k] = r.GetResource().AsMap()
	}
	return s
}

func deepCopy(t *testing.T, s stack) stack {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	out := stack{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func set(s stack, key, path string, v any) {
	if s[key] == nil {
		s[key] = map[string]any{"apiVersion": "test/v1", "kind": "Test"}
	}
	if err := fieldpath.Pave(s[key]).SetValue(path, v); err != nil {
		panic(err)
	}
}

func setTaskDefs(s stack, defs string) {
	for k := range s {
		if IsTaskDefinitionKey(k) {
			set(s, k, "spec.forProvider.containerDefinitions", defs)
		}
	}
}

// byKind lists a stack's resources of one kind, in key order.
func byKind(s stack, kind string) []map[string]any {
	var out []map[string]any
	for _, k := range slices.Sorted(maps.Keys(s)) {
		if s[k]["kind"] == kind {
			out = append(out, s[k])
		}
	}
	return out
}

func violation(ok bool, format string, a ...any) []string {
	if ok {
		return nil
	}
	return []string{fmt.Sprintf(format, a...)}
}

// --- Network ------------------------------------------------------------

func noOpenIngress(s stack) (v []string) {
	for _, r := range byKind(s, "SecurityGroupIngressRule") {
		open := str(r, "spec.forProvider.cidrIpv4") == "0.0.0.0/0" || str(r, "spec.forProvider.cidrIpv6") == "::/0"
		v = append(v, violation(!open, "%s allows ingress from anywhere", str(r, "metadata.name"))...)
	}
	return v
}

func flowLogsOn(s stack) []string {
	fl := s[KeyFlowLog]
	return violation(fl != nil && str(fl, "spec.forProvider.trafficType") == "ALL" && str(fl, "spec.forProvider.vpcIdRef.name") == str(s[KeyVPC], "metadata.name"),
		"the VPC has no flow log of ALL traffic")
}

// defaultGroupClosed: the stack's VPC has its default security group
// adopted with no rule, and the provider never adopts a rule added by hand
// (no LateInitialize).
func defaultGroupClosed(s stack) []string {
	sg := s[KeyDefaultSG]
	if sg == nil {
		return violation(s[KeyVPC] == nil, "the VPC's default security group is not restricted")
	}
	policies, _ := val(sg, "spec.managementPolicies").([]any)
	return violation(str(sg, "spec.forProvider.vpcIdRef.name") == str(s[KeyVPC], "metadata.name") &&
		val(sg, "spec.forProvider.ingress") == nil && val(sg, "spec.forProvider.egress") == nil &&
		len(policies) > 0 && !slices.Contains(policies, any("LateInitialize")) && !slices.Contains(policies, any("*")),
		"the VPC's default security group is not restricted to no rules")
}

func noAutoPublicIP(s stack) (v []string) {
	for _, r := range byKind(s, "Subnet") {
		v = append(v, violation(val(r, "spec.forProvider.mapPublicIpOnLaunch") != true, "%s maps public IPs on launch", str(r, "metadata.name"))...)
	}
	return v
}

// tierIngress: the only ingress rules are ALB <- CloudFront prefix list,
// tasks <- ALB SG on the container port, DB <- tasks SG on 5432.
func tierIngress(s stack) (v []string) {
	want := map[string]string{
		KeyRuleALBFromCloudFront: "prefix-list",
		KeyRuleTasksFromALB:      str(s[KeySGLoadBalancer], "metadata.name"),
		KeyRuleDatabaseFromTasks: str(s[KeySGTasks], "metadata.name"),
	}
	for _, r := range byKind(s, "SecurityGroupIngressRule") {
		key := str(r, "metadata.labels[catalog.example.org/resource]")
		from := str(r, "spec.forProvider.referencedSecurityGroupIdRef.name")
		if str(r, "spec.forProvider.prefixListId") != "" {
			from = "prefix-list"
		}
		v = append(v, violation(want[key] != "" && from == want[key], "ingress rule %s admits %q", key, from)...)
	}
	return v
}

// egressLimited: egress only ALB -> tasks, tasks -> DB and tasks -> 443;
// the database has none.
func egressLimited(s stack) (v []string) {
	allowed := map[string]float64{KeyRuleALBToTasks: DefaultContainerPort, KeyRuleTasksToDatabase: DatabasePort, KeyRuleTasksToHTTPS: HTTPSPort}
	for _, r := range byKind(s, "SecurityGroupEgressRule") {
		key := str(r, "metadata.labels[catalog.example.org/resource]")
		port, ok := allowed[key]
		from, to := num(r, "spec.forProvider.fromPort"), num(r, "spec.forProvider.toPort")
		v = append(v, violation(ok && from == port && to == port, "egress rule %s allows ports %v-%v", key, from, to)...)
	}
	return v
}

// --- ECS ----------------------------------------------------------------

func servicesPrivate(s stack) (v []string) {
	for _, r := range byKind(s, "Service") {
		v = append(v, violation(val(r, "spec.forProvider.networkConfiguration.assignPublicIp") == false, "the ECS service assigns public IPs")...)
	}
	return v
}

type containerDefs []struct {
	Environment      []struct{ Name, Value string }
	Secrets          []struct{ Name, ValueFrom string }
	LogConfiguration *struct {
		LogDriver string
		Options   map[string]string
	}
}

func taskDefs(s stack) map[string]containerDefs {
	out := map[string]containerDefs{}
	for _, r := range byKind(s, "TaskDefinition") {
		var d containerDefs
		_ = json.Unmarshal([]byte(str(r, "spec.forProvider.containerDefinitions")), &d)
		out[str(r, "metadata.name")] = d
	}
	return out
}

func noSecretEnv(s stack) (v []string) {
	for name, defs := range taskDefs(s) {
		for _, d := range defs {
			for _, e := range d.Environment {
				l := strings.ToLower(e.Name)
				v = append(v, violation(!strings.Contains(l, "password") && !strings.Contains(l, "secret"), "%s passes %s as a plain environment variable", name, e.Name)...)
			}
		}
	}
	return v
}

func taskLogging(s stack) (v []string) {
	for name, defs := range taskDefs(s) {
		for _, d := range defs {
			v = append(v, violation(d.LogConfiguration != nil && d.LogConfiguration.LogDriver == "awslogs" && d.LogConfiguration.Options["awslogs-group"] != "", "%s has no awslogs configuration", name)...)
		}
	}
	return v
}

func containerInsights(s stack) []string {
	return violation(str(s[KeyECSCluster], "spec.forProvider.setting[0].name") == "containerInsights" && str(s[KeyECSCluster], "spec.forProvider.setting[0].value") == "enabled",
		"the ECS cluster has no Container Insights")
}

// --- Load balancing -----------------------------------------------------

func dropsInvalidHeaders(s stack) []string {
	return violation(val(s[KeyLoadBalancer], "spec.forProvider.dropInvalidHeaderFields") == true, "the ALB keeps invalid header fields")
}

// albLogging is judged once the access-log bucket policy exists (before
// that the ALB must not enable logging, see loadbalancer.go).
func albLogging(s stack) []string {
	if !slices.Contains(slices.Collect(maps.Keys(s)), KeyDistribution) {
		return nil // First render: the bucket policy is not Ready yet.
	}
	return violation(val(s[KeyLoadBalancer], "spec.forProvider.accessLogs.enabled") == true, "the ALB does not log access")
}

func originPrivate(s stack) []string {
	lb := s[KeyLoadBalancer]
	v := violation(val(lb, "spec.forProvider.internal") == true, "the ALB is internet-facing")
	// By object name (<XR>-<key>): a render may hold the subnets back (one
	// of a kind first) while it composes the ALB.
	v = append(v, violation(strings.HasSuffix(str(lb, "spec.forProvider.subnetRefs[0].name"), "-"+KeyPrivateSubnet(0)) &&
		strings.HasSuffix(str(lb, "spec.forProvider.subnetRefs[1].name"), "-"+KeyPrivateSubnet(1)), "the ALB is not in the private subnets")...)
	if cf := s[KeyDistribution]; cf != nil {
		v = append(v, violation(str(cf, "spec.forProvider.origin[0].vpcOriginConfig.vpcOriginId") != "" && str(cf, "spec.forProvider.origin[0].customOriginConfig.originProtocolPolicy") == "",
			"CloudFront reaches the ALB other than through the VPC origin")...)
	}
	return v
}

// --- Database -----------------------------------------------------------

func auroraEncrypted(s stack) []string {
	return violation(val(s[KeyDBCluster], "spec.forProvider.storageEncrypted") == true, "Aurora storage is not encrypted")
}

func dbPrivate(s stack) (v []string) {
	for _, r := range byKind(s, "ClusterInstance") {
		v = append(v, violation(val(r, "spec.forProvider.publiclyAccessible") == false, "%s is publicly accessible", str(r, "metadata.name"))...)
	}
	return v
}

func auroraBackups(s stack) []string {
	return violation(num(s[KeyDBCluster], "spec.forProvider.backupRetentionPeriod") >= 1, "Aurora keeps no backups")
}

func managedPassword(s stack) []string {
	return violation(val(s[KeyDBCluster], "spec.forProvider.manageMasterUserPassword") == true, "the master password is not managed by RDS")
}

// --- Logs bucket --------------------------------------------------------

func bucketPrivate(s stack) (v []string) {
	for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		v = append(v, violation(val(s[KeyLogBucketPublicAccess], "spec.forProvider."+f) == true, "public access block %s is off", f)...)
	}
	return v
}

func bucketTLSOnly(s stack) []string {
	var doc struct {
		Statement []struct {
			Effect    string                       `json:"Effect"`
			Action    any                          `json:"Action"`
			Condition map[string]map[string]string `json:"Condition"`
		} `json:"Statement"`
	}
	_ = json.Unmarshal([]byte(str(s[KeyLogBucketPolicy], "spec.forProvider.policy")), &doc)
	for _, st := range doc.Statement {
		if st.Effect == "Deny" && st.Condition["Bool"]["aws:SecureTransport"] == "false" {
			return nil
		}
	}
	return []string{"the bucket policy does not deny non-TLS requests"}
}

func bucketEncrypted(s stack) []string {
	return violation(str(s[KeyLogBucketEncryption], "spec.forProvider.rule[0].applyServerSideEncryptionByDefault.sseAlgorithm") != "", "the log bucket has no default encryption")
}

func bucketLifecycle(s stack) []string {
	r := s[KeyLogBucketLifecycle]
	return violation(str(r, "spec.forProvider.rule[0].status") == "Enabled" && num(r, "spec.forProvider.rule[0].expiration[0].days") == 30, "the log bucket does not expire objects after 30 days")
}

// --- CloudFront ---------------------------------------------------------

func viewersHTTPS(s stack) []string {
	if s[KeyDistribution] == nil {
		return nil
	}
	p := str(s[KeyDistribution], "spec.forProvider.defaultCacheBehavior.viewerProtocolPolicy")
	return violation(p == "redirect-to-https" || p == "https-only", "viewer protocol policy is %q", p)
}

func cloudFrontLogging(s stack) []string {
	if s[KeyDistribution] == nil {
		return nil
	}
	return violation(str(s[KeyDistribution], "spec.forProvider.loggingConfig.bucket") != "", "CloudFront does not log")
}

// originTLS12: CloudFront reaches the ALB through the VPC origin, which
// carries the origin's SSL protocols.
func originTLS12(s stack) []string {
	p, _ := val(s[KeyVPCOrigin], "spec.forProvider.vpcOriginEndpointConfig.originSslProtocols.items").([]any)
	return violation(slices.Equal(p, []any{"TLSv1.2"}), "origin SSL protocols are %v, want only TLSv1.2", p)
}

// --- IAM and secrets ----------------------------------------------------

// resourceStarAllowed are the actions AWS only authorizes on resource "*".
func resourceStarAllowed() []string { return []string{"ecr:GetAuthorizationToken"} }

func iamLeastPrivilege(s stack) (v []string) {
	for _, r := range byKind(s, "RolePolicy") {
		var doc struct {
			Statement []struct {
				Effect   string   `json:"Effect"`
				Action   []string `json:"Action"`
				Resource []string `json:"Resource"`
			} `json:"Statement"`
		}
		if err := json.Unmarshal([]byte(str(r, "spec.forProvider.policy")), &doc); err != nil {
			v = append(v, fmt.Sprintf("%s: policy is not JSON: %v", str(r, "metadata.name"), err))
			continue
		}
		for _, st := range doc.Statement {
			for _, a := range st.Action {
				v = append(v, violation(!strings.Contains(a, "*"), "%s allows wildcard action %q", str(r, "metadata.name"), a)...)
			}
			star := slices.Contains(st.Resource, "*")
			okStar := !star || (len(st.Action) > 0 && !slices.ContainsFunc(st.Action, func(a string) bool { return !slices.Contains(resourceStarAllowed(), a) }))
			v = append(v, violation(okStar, "%s grants %v on resource *", str(r, "metadata.name"), st.Action)...)
		}
	}
	return v
}

func noPlainSecrets(s stack) (v []string) {
	for _, k := range slices.Sorted(maps.Keys(s)) {
		walkFields(s[k], "", func(path string, value any) {
			l := strings.ToLower(path[strings.LastIndex(path, ".")+1:])
			if _, isBool := value.(bool); isBool || strings.HasPrefix(l, "manage") {
				return
			}
			if strings.Contains(l, "password") || l == "secretstring" || l == "secretbinary" {
				v = append(v, fmt.Sprintf("%s%s carries a secret value", k, path))
			}
		})
	}
	return v
}

func walkFields(v any, path string, visit func(path string, value any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			visit(path+"."+k, c)
			walkFields(c, path+"."+k, visit)
		}
	case []any:
		for _, c := range x {
			walkFields(c, path+"[]", visit)
		}
	}
}
