// Package bundled holds no code: its tests prove the repository's bundled
// blueprints (testdata/blueprints) with blueprinttest.Matrix. Every
// combination of their parameter matrix renders a project whose YAML parses,
// whose Kubernetes manifests decode strictly into the k8s.io/api types and
// agree with the parameters, whose Terraform parses as HCL with every
// variable declared, which passes the decisions its blueprint lists, and
// whose Go code is vetted, built, tested and run.
//
// It lives in the examples module so that k8s.io/api and
// github.com/hashicorp/hcl/v2 never reach the library's go.mod.
package bundled
