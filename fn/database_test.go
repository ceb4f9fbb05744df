package fn

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rds "github.com/upbound/provider-aws/v2/apis/namespaced/rds/v1beta1"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

func TestDatabaseRendersEverythingFirst(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed engine.Observed
	}{
		"NothingObserved": {reason: "the database needs no observed value", observed: engine.Observed{}},
		"DatabaseObserved": {
			reason:   "observed values change nothing",
			observed: observedOf(t, observedDatabase()),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := buildDatabase(testSpec(t), tc.observed)
			checkPhase(t, b, tc.reason, []string{KeyDBCluster, KeyDBReader, KeyDBWriter, KeyDBSubnetGroup}, 0)
		})
	}
}

func TestDatabaseClusterValues(t *testing.T) {
	s := testSpec(t, withSpecField("database", map[string]any{"name": "products", "masterUsername": "owner", "backupRetentionDays": int64(14)}))
	b := buildDatabase(s, engine.Observed{})
	c := objectByKey[*rds.Cluster](t, b, KeyDBCluster)
	fp := c.Spec.ForProvider
	checkValues(t, map[string]gotWant{
		"Engine":                   {*fp.Engine, "aurora-postgresql"},
		"EngineVersion":            {*fp.EngineVersion, DefaultEngineVersion},
		"DatabaseName":             {*fp.DatabaseName, "products"},
		"MasterUsername":           {*fp.MasterUsername, "owner"},
		"ManageMasterUserPassword": {*fp.ManageMasterUserPassword, true},
		"NoPasswordSecretRef":      {fp.MasterPasswordSecretRef == nil && fp.MasterPasswordWoSecretRef == nil && fp.AutoGeneratePassword == nil, true},
		"BackupRetention":          {*fp.BackupRetentionPeriod, 14.0},
		"BackupWindow":             {*fp.PreferredBackupWindow, "02:00-03:00"},
		"StorageEncrypted":         {*fp.StorageEncrypted, true},
		"DeletionProtection":       {*fp.DeletionProtection, false},
		"SkipFinalSnapshot":        {*fp.SkipFinalSnapshot, false},
		"DeleteAutomatedBackups":   {*fp.DeleteAutomatedBackups, false},
		"CopyTagsToSnapshot":       {*fp.CopyTagsToSnapshot, true},
		"LogExports":               {fp.EnabledCloudwatchLogsExports, ptrList("postgresql")},
		"NoAvailabilityZones":      {fp.AvailabilityZones, []*string(nil)},
		"Port":                     {*fp.Port, 5432.0},
		"SubnetGroup":              {fp.DBSubnetGroupNameRef.Name, s.ObjectName(KeyDBSubnetGroup)},
		"SecurityGroups":           {fp.VPCSecurityGroupIDRefs, s.Refs(KeySGDatabase)},
		"ApplyImmediately":         {*fp.ApplyImmediately, true},
	})
}

// TestDatabaseDeletion: by default a final snapshot named from the
// CatalogApi's UID and automated backups kept; finalSnapshot false skips
// both; deletionProtection is passed on; protection without a snapshot is
// refused, naming the field and the rule.
func TestDatabaseDeletion(t *testing.T) {
	cases := map[string]struct {
		database map[string]any
		uid      string
		// want: skipFinalSnapshot, finalSnapshotIdentifier ("" for none),
		// deleteAutomatedBackups, deletionProtection.
		want []any
	}{
		"Default":    {uid: "8D0C7A3E-1234-4000-8000-000000000001", want: []any{false, "aurora-cluster-dev-final-8d0c7a3e1234", false, false}},
		"NoUID":      {want: []any{false, "aurora-cluster-dev-final-" + shortHash("team/api/uid"), false, false}},
		"Throwaway":  {database: map[string]any{"finalSnapshot": false}, uid: "u1", want: []any{true, "", true, false}},
		"Protected":  {database: map[string]any{"deletionProtection": true}, uid: "8d0c7a3e-0000-4000-8000-000000000002", want: []any{false, "aurora-cluster-dev-final-8d0c7a3e0000", false, true}},
		"ShortUIDAs": {uid: "abc", want: []any{false, "aurora-cluster-dev-final-abc", false, false}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			opts := []specOption{xrNamed("api", "team")}
			if tc.database != nil {
				opts = append(opts, withSpecField("database", tc.database))
			}
			s := testSpec(t, opts...)
			s.XRUID = tc.uid
			fp := objectByKey[*rds.Cluster](t, buildDatabase(s, engine.Observed{}), KeyDBCluster).Spec.ForProvider
			got := []any{*fp.SkipFinalSnapshot, deref(fp.FinalSnapshotIdentifier), *fp.DeleteAutomatedBackups, *fp.DeletionProtection}
			if got[1] == nil {
				got[1] = ""
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDatabaseDeletionRefused: deletion protection of a throwaway database
// is a Fatal naming the field and the rule.
func TestDatabaseDeletionRefused(t *testing.T) {
	_, err := newTestSpec(withSpecField("database", map[string]any{"finalSnapshot": false, "deletionProtection": true}))
	if err == nil || !strings.Contains(err.Error(), "spec.database.deletionProtection: invalid value true: requires spec.database.finalSnapshot") {
		t.Errorf("got %v, want the deletionProtection rule", err)
	}
}

// TestDatabaseHasNoPassword: no rendered database resource carries a
// password field of any kind.
func TestDatabaseHasNoPassword(t *testing.T) {
	for _, d := range buildDatabase(testSpec(t), engine.Observed{}).Resources {
		j, err := json.Marshal(d.Object)
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := json.Unmarshal(j, &obj); err != nil {
			t.Fatal(err)
		}
		for _, f := range fieldNames(obj) {
			// manageMasterUserPassword is the switch that keeps the
			// password out of the spec; anything else is a password.
			if strings.Contains(strings.ToLower(f), "password") && f != "manageMasterUserPassword" {
				t.Errorf("%s carries a password field %q", d.Key, f)
			}
		}
	}
}

// fieldNames lists every field name in a decoded JSON object.
func fieldNames(v any) []string {
	var names []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			names = append(names, k)
			names = append(names, fieldNames(e)...)
		}
	case []any:
		for _, e := range x {
			names = append(names, fieldNames(e)...)
		}
	}
	return names
}

func TestDatabaseInstances(t *testing.T) {
	s := testSpec(t, withSpecField("database", map[string]any{"instanceClass": "db.r6g.large"}))
	b := buildDatabase(s, engine.Observed{})
	writer := objectByKey[*rds.ClusterInstance](t, b, KeyDBWriter).Spec.ForProvider
	reader := objectByKey[*rds.ClusterInstance](t, b, KeyDBReader).Spec.ForProvider
	if *writer.AvailabilityZone == *reader.AvailabilityZone {
		t.Errorf("writer and reader must be in different AZs, both in %s", *writer.AvailabilityZone)
	}
	checkValues(t, map[string]gotWant{
		"WriterAZ":        {*writer.AvailabilityZone, s.AZ(0)},
		"ReaderAZ":        {*reader.AvailabilityZone, s.AZ(1)},
		"WriterTier":      {*writer.PromotionTier, 0.0},
		"ReaderTier":      {*reader.PromotionTier, 1.0},
		"Class":           {*writer.InstanceClass, "db.r6g.large"},
		"ReaderClass":     {*reader.InstanceClass, "db.r6g.large"},
		"Engine":          {*reader.Engine, "aurora-postgresql"},
		"Private":         {*writer.PubliclyAccessible || *reader.PubliclyAccessible, false},
		"Cluster":         {reader.ClusterIdentifierRef.Name, s.ObjectName(KeyDBCluster)},
		"SubnetGroup":     {writer.DBSubnetGroupNameRef.Name, s.ObjectName(KeyDBSubnetGroup)},
		"NoEngineVersion": {writer.EngineVersion, (*string)(nil)},
	})
}

func TestDatabaseNames(t *testing.T) {
	s := testSpec(t)
	b := buildDatabase(s, engine.Observed{})
	want := map[string]string{
		KeyDBSubnetGroup: "db-subnet-group-dev",
		KeyDBCluster:     "aurora-cluster-dev",
		KeyDBWriter:      "aurora-writer-dev",
		KeyDBReader:      "aurora-reader-dev",
	}
	got := map[string]string{}
	for _, d := range b.Resources {
		if !d.ExternalName {
			t.Errorf("%s: RDS identifiers are the external name", d.Key)
		}
		got[d.Key] = d.AWSName
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AWS names -want, +got:\n%s", diff)
	}
	sg := objectByKey[*rds.SubnetGroup](t, b, KeyDBSubnetGroup)
	if diff := cmp.Diff(s.Refs(KeyPrivateSubnet(0), KeyPrivateSubnet(1)), sg.Spec.ForProvider.SubnetIDRefs); diff != "" {
		t.Errorf("the subnet group holds the private subnets; -want, +got:\n%s", diff)
	}
	if DatabaseLogGroupName(s) != "/aws/rds/cluster/"+want[KeyDBCluster]+"/postgresql" {
		t.Errorf("the exported log goes to %s, which the logging part must own", DatabaseLogGroupName(s))
	}
}

// TestEngineVersionNeverGoesDown: the default is 16.8 (the Aurora
// PostgreSQL 16 LTS minor); a cluster AWS already upgraded beyond the
// configured version keeps its version, because RDS refuses downgrades.
func TestEngineVersionNeverGoesDown(t *testing.T) {
	if DefaultEngineVersion != "16.8" {
		t.Errorf("DefaultEngineVersion = %q; change it only with the sources in its comment and the README", DefaultEngineVersion)
	}
	running := func(v string) engine.Observed {
		return observedOf(t, observedResource{key: KeyDBCluster, atProvider: map[string]any{"engineVersionActual": v}})
	}
	cases := map[string]struct {
		configured string
		observed   engine.Observed
		want       string
	}{
		"NewCluster":          {observed: engine.Observed{}, want: "16.8"},
		"OlderRunningUpgrade": {observed: running("16.6"), want: "16.8"},
		"SameRunning":         {observed: running("16.8"), want: "16.8"},
		"NewerMinorKept":      {observed: running("16.10"), want: "16.10"},
		"NewerPatchKept":      {observed: running("16.8.1"), want: "16.8.1"},
		"OtherMajorIgnored":   {observed: running("17.7"), want: "16.8"},
		"ConfiguredNewer":     {configured: "16.11", observed: running("16.9"), want: "16.11"},
		"GarbageIgnored":      {observed: running("16.x"), want: "16.8"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec(t, withInput(&v1beta1.Input{EngineVersion: tc.configured}))
			b := buildDatabase(s, tc.observed)
			got := *objectByKey[*rds.Cluster](t, b, KeyDBCluster).Spec.ForProvider.EngineVersion
			if got != tc.want {
				t.Errorf("engineVersion = %q, want %q", got, tc.want)
			}
		})
	}
}
