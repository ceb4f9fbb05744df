// Command etcd is etcd's own server main, built from the pinned etcd server
// module so that the control-plane test needs no etcd package from the
// operating system (Debian's is older than kube-apiserver v1.35 supports).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
