package fn

import (
	"slices"
	"strconv"
	"strings"

	rds "github.com/upbound/provider-aws/v2/apis/namespaced/rds/v1beta1"

	"github.com/platform/function-catalog-api/internal/engine"
)

// Keys of the database part: composition resource names, stable once released
// (a new key makes Crossplane delete the resource and create a new one).
const (
	KeyDBSubnetGroup = "db-subnet-group"
	KeyDBCluster     = "aurora-cluster"
	KeyDBWriter      = "aurora-writer"
	KeyDBReader      = "aurora-reader"
)

// Backup and maintenance windows of the Aurora cluster, in UTC. They are set
// explicitly (rather than left to AWS's random choice) so that they can never
// overlap, which RDS rejects, and so that every render is the same.
const (
	DatabaseBackupWindow      = "02:00-03:00"
	DatabaseMaintenanceWindow = "sun:04:00-sun:05:00"
)

// What the estimate assumes of the database.
const (
	// AuroraInstances are the writer and the reader.
	AuroraInstances = 2
	// AuroraStorageBaselineGB is the Aurora storage the estimate prices.
	AuroraStorageBaselineGB = 10
	// AuroraIOBaselineMillions is the Aurora Standard I/O, in millions of
	// requests per month, the estimate prices.
	AuroraIOBaselineMillions = 10
)

// databaseCost prices the writer and the reader on the spec's instance
// class, and the storage and I/O baselines (Aurora Standard).
func databaseCost(s *Spec) []engine.CostLine {
	return []engine.CostLine{
		{Item: "Aurora PostgreSQL " + s.InstanceClass + " (writer + reader)", Unit: "instance-hour", Quantity: count(AuroraInstances), Price: AuroraInstancePrice(s.InstanceClass), Hourly: true},
		{Item: "Aurora storage (baseline)", Unit: "GB-month", Quantity: count(AuroraStorageBaselineGB), Price: PriceAuroraStorageGBMonth},
		{Item: "Aurora I/O (baseline)", Unit: "million requests", Quantity: count(AuroraIOBaselineMillions), Price: PriceAuroraIOMillionRequests},
	}
}

// databaseLogExports are the logs the Aurora cluster exports to CloudWatch
// Logs; the logging part owns their log group (DatabaseLogGroupName).
func databaseLogExports() []string { return []string{"postgresql"} }

// buildDatabase renders Aurora PostgreSQL in the private subnets: a DB
// subnet group, the cluster with an RDS-managed master password (the
// password lives only in Secrets Manager), and a writer and a reader
// instance in different AZs. Nothing here waits for an observed value; the
// engine version reads the one the cluster runs (engineVersion).
func buildDatabase(s *Spec, o engine.Observed) engine.Built {
	var b engine.Built
	b.Add(dbSubnetGroup(s), dbCluster(s, o))
	for _, inst := range auroraInstances() {
		b.Add(dbInstance(s, inst))
	}
	return b
}

// auroraInstance is one instance of the cluster: where it runs, and what
// its outage means.
type auroraInstance struct {
	key, resourceType string
	az, promotionTier int
	// role is "writer" or "reader"; whileDown says what fails while the
	// instance is down.
	role, whileDown string
}

// auroraInstances are the writer and the reader, in different AZs.
func auroraInstances() []auroraInstance {
	return []auroraInstance{
		{
			key: KeyDBWriter, resourceType: "aurora-writer", az: 0, promotionTier: 0, role: "writer",
			whileDown: "writes fail while it is down: Aurora does not move the writer role for a class change",
		},
		{
			key: KeyDBReader, resourceType: "aurora-reader", az: 1, promotionTier: 1, role: "reader",
			whileDown: "reads through the reader endpoint fail over to the writer while it is down",
		},
	}
}

func dbSubnetGroup(s *Spec) engine.Desired {
	name := s.Name("db-subnet-group")
	// No Usage of the subnets: EC2 refuses to delete them while the
	// instances' network interfaces are in them.
	g := &rds.SubnetGroup{Spec: rds.SubnetGroupSpec{ForProvider: rds.SubnetGroupParameters{
		Region:      new(s.Region),
		Tags:        s.Tags(name),
		Description: new("Private subnets of the catalog API database"),
	}}}
	s.setSubnets(false, &g.Spec.ForProvider.SubnetIds, &g.Spec.ForProvider.SubnetIDRefs)
	return engine.Desired{
		Key: KeyDBSubnetGroup, AWSName: name, ExternalName: true,
		Object: g,
	}
}

// dbCluster is the Aurora PostgreSQL cluster. The external name is the
// cluster identifier.
//
// availabilityZones is deliberately not set: AWS spreads Aurora storage over
// three AZs and reports all three, so a two-AZ list would be a permanent,
// replace-only diff. The instances pin the AZs instead.
func dbCluster(s *Spec, o engine.Observed) engine.Desired {
	name := DBClusterName(s)
	return engine.Desired{
		Key: KeyDBCluster, AWSName: name, ExternalName: true,
		// The database log group outlives the cluster: RDS exports the
		// postgresql log to it and creates a deleted group again, with no
		// retention and no owner. RDS itself refuses to delete the subnet
		// group and EC2 the security group while the cluster is in them, and
		// RDS refuses to delete the cluster before its instances: no Usage.
		Uses:      []string{KeyDBLogGroup},
		Immutable: dbClusterImmutable(),
		OnChange:  []engine.ChangeImpact{deletionImpact(), engineUpgradeImpact()},
		Readiness: engine.Readiness{Hint: "creating an Aurora cluster usually takes 5 to 10 minutes"},
		Object: &rds.Cluster{Spec: rds.ClusterSpec{ForProvider: rds.ClusterParameters{
			Region: new(s.Region),
			Tags:   s.Tags(name),

			Engine:        new(DatabaseEngine),
			EngineVersion: new(engineVersion(s, o)),
			DatabaseName:  new(s.DatabaseName),
			Port:          f64(DatabasePort),

			MasterUsername: new(s.MasterUsername),
			// RDS generates the password and keeps it in a Secrets Manager
			// secret it rotates; no password exists in the spec, in
			// Kubernetes or in the task definition.
			ManageMasterUserPassword: new(true),

			BackupRetentionPeriod:      f64(s.BackupRetentionDays),
			PreferredBackupWindow:      new(DatabaseBackupWindow),
			PreferredMaintenanceWindow: new(DatabaseMaintenanceWindow),
			CopyTagsToSnapshot:         new(true),
			StorageEncrypted:           new(true),

			// What deleting the CatalogApi does to the data (see
			// finalSnapshotID).
			DeletionProtection:      new(s.DeletionProtection),
			SkipFinalSnapshot:       new(!s.FinalSnapshot),
			FinalSnapshotIdentifier: finalSnapshotID(s),
			DeleteAutomatedBackups:  new(!s.FinalSnapshot),

			EnabledCloudwatchLogsExports: ptrList(databaseLogExports()...),
			DBSubnetGroupNameRef:         s.Ref(KeyDBSubnetGroup),
			VPCSecurityGroupIDRefs:       s.Refs(KeySGDatabase),
			ApplyImmediately:             new(true),
		}}},
	}
}

// What deleting the CatalogApi does to the data. By default RDS takes a
// final snapshot when the cluster is deleted and keeps its automated
// backups until their retention expires; neither is a resource of the
// stack, so the stack stays fully destroyable and the data restorable
// (docs/day-2.md, "Restoring a deleted database"). The provider sends
// these values only when it deletes the cluster, so changing them is an
// in-place update that touches nothing running.

// finalSnapshotSuffixLength is how many hex digits of the CatalogApi's UID
// end the final snapshot's identifier: enough that two CatalogApis that
// ever had the same suffix never name the same snapshot (RDS refuses to
// delete a cluster whose final snapshot identifier exists already).
const finalSnapshotSuffixLength = 12

// finalSnapshotID is the identifier of the final snapshot,
// "<cluster>-final-<12 hex digits of the UID>", or nil without a final
// snapshot. Without a UID (an offline render) the digits come from a hash
// of namespace/name. It satisfies RDS's rules: a letter first, letters,
// digits and single hyphens, at most 255 characters.
func finalSnapshotID(s *Spec) *string {
	if !s.FinalSnapshot {
		return nil
	}
	id := strings.ReplaceAll(s.XRUID, "-", "")
	if id == "" {
		id = shortHash(s.XRNamespace + "/" + s.XRName + "/uid")
	}
	id = strings.ToLower(id)
	if len(id) > finalSnapshotSuffixLength {
		id = id[:finalSnapshotSuffixLength]
	}
	return new(DBClusterName(s) + "-final-" + id)
}

// ImpactDeletion is the kind of impact of a change of what deleting the
// CatalogApi does to the database.
const ImpactDeletion = "database-deletion"

// deletionImpact: changing the final snapshot or the deletion protection
// changes nothing that runs, only what a later deletion does.
func deletionImpact() engine.ChangeImpact {
	return engine.ChangeImpact{
		Kind: ImpactDeletion,
		Fields: []engine.ImpactField{
			{Path: "spec.forProvider.skipFinalSnapshot", Says: "skip the final snapshot: {old} -> {new}"},
			{Path: "spec.forProvider.deletionProtection", Says: "deletion protection: {old} -> {new}"},
		},
		Summary: "what deleting the CatalogApi does to the database changes ({changes}); nothing running is interrupted",
		Details: []string{
			"with a final snapshot, deleting the CatalogApi leaves snapshot <cluster>-final-<uid> and the automated backups until they expire; without, the data is gone for good",
			"with deletion protection, RDS refuses to delete the cluster: set spec.database.deletionProtection to false before deleting the CatalogApi",
		},
		References: []string{docAuroraDelete},
	}
}

// dbClusterImmutable are the CatalogApi fields the Aurora cluster carries
// that can never change. The suffix is checked on the cluster's external
// name: it is in every AWS name.
func dbClusterImmutable() []engine.Immutable {
	return []engine.Immutable{
		{Field: "spec.environmentSuffix", Path: "metadata.annotations[crossplane.io/external-name]", Why: "every AWS name derives from it, and RDS, S3, IAM and ECS names cannot change in place"},
		{Field: "spec.database.name", Path: "spec.forProvider.databaseName", Why: "Aurora cannot rename the initial database in place; the cluster would be replaced and its data lost"},
		{Field: "spec.database.masterUsername", Path: "spec.forProvider.masterUsername", Why: "Aurora cannot change the master user name in place; the cluster would be replaced and its data lost"},
	}
}

// instanceApplyImmediately: the instances apply a change at once, not in
// the maintenance window.
const instanceApplyImmediately = true

// dbInstance is an Aurora instance in AZ az. Promotion tier 0 makes the
// writer's replacement preferred on failover; the reader has tier 1.
//
// engineVersion is left out: an Aurora instance runs its cluster's version,
// and the provider does not late-initialize it (rds config.go ignores
// engine_version for aws_rds_cluster_instance).
//
// RDS deletes a cluster only after its instances, so the cluster and the
// log group it Uses outlive them without a Usage of their own.
func dbInstance(s *Spec, inst auroraInstance) engine.Desired {
	name := s.Name(inst.resourceType)
	return engine.Desired{
		Key: inst.key, AWSName: name, ExternalName: true,
		OnChange:  []engine.ChangeImpact{instanceClassImpact(inst)},
		Readiness: engine.Readiness{Hint: "creating an Aurora instance usually takes 10 to 20 minutes"},
		Object: &rds.ClusterInstance{Spec: rds.ClusterInstanceSpec{ForProvider: rds.ClusterInstanceParameters{
			Region:               new(s.Region),
			Tags:                 s.Tags(name),
			ClusterIdentifierRef: s.Ref(KeyDBCluster),
			Engine:               new(DatabaseEngine),
			InstanceClass:        new(s.InstanceClass),
			AvailabilityZone:     s.instanceAZ(inst.az),
			DBSubnetGroupNameRef: s.Ref(KeyDBSubnetGroup),
			PubliclyAccessible:   new(false),
			PromotionTier:        f64(inst.promotionTier),
			ApplyImmediately:     new(instanceApplyImmediately),
		}}},
	}
}

// laterMinorVersion reports whether version a has b's major version and a
// later minor (or patch) version. Versions are dot-separated numbers
// ("16.8", "16.10"); anything else never compares as later.
func laterMinorVersion(a, b string) bool {
	av, aok := versionNumbers(a)
	bv, bok := versionNumbers(b)
	if !aok || !bok || av[0] != bv[0] {
		return false
	}
	return slices.Compare(av, bv) > 0
}

// versionNumbers parses a dot-separated version into its numbers.
func versionNumbers(v string) ([]int, bool) {
	if v == "" {
		return nil, false
	}
	parts := strings.Split(v, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// ImpactInstanceClass is the kind of impact of an Aurora instance class
// change.
const ImpactInstanceClass = "database-instance-class"

// An Aurora instance class change: 5-15 minutes of outage per instance, a
// planning figure (AWS publishes none).
const (
	classChangeMinSeconds = 5 * 60
	classChangeMaxSeconds = 15 * 60
)

// Documentation the instance class impact rests on.
const (
	docAuroraModify   = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Modifying.html"
	docAuroraDowntime = "https://repost.aws/knowledge-center/aurora-mysql-downtime-factors"
	docAuroraDelete   = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html"
)

// instanceClassImpact is the outage of an instance while AWS changes its
// class.
func instanceClassImpact(inst auroraInstance) engine.ChangeImpact {
	when := "right away (applyImmediately), not in the maintenance window"
	if !instanceApplyImmediately {
		when = "in the next maintenance window " + DatabaseMaintenanceWindow
	}
	return engine.ChangeImpact{
		Kind: ImpactInstanceClass,
		Fields: []engine.ImpactField{{
			Path: "spec.forProvider.instanceClass",
			Says: inst.role + " {name}: {old} -> {new}; the instance is unavailable while AWS changes its class; " + inst.whileDown,
		}},
		Summary: "Aurora instance class {old} -> {new}: an outage of each instance while it changes class, usually several minutes",
		Details: []string{
			"applied " + when,
			"the provider modifies both instances independently, possibly at the same time: plan for the whole database being unavailable",
			"to keep writes available instead: change the reader first, fail over to it (aws rds failover-db-cluster; usually under 60-120 s), then change the old writer",
		},
		Estimate: &engine.Duration{
			MinSeconds: classChangeMinSeconds, MaxSeconds: classChangeMaxSeconds,
			Basis: "AWS documents an outage during an instance class change but no duration; 5-15 minutes per instance is a planning figure, not a measurement. A failover, by contrast, usually completes within 60-120 s",
		},
		References: []string{docAuroraModify, docAuroraDowntime},
	}
}
