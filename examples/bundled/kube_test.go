package bundled

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

// kustomization is the part of kustomize's Kustomization the blueprints
// write; decoded strictly, like the Kubernetes types.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources,omitempty"`
}

// manifests is what the Kubernetes files of a project decode into.
type manifests struct {
	deployments  []*appsv1.Deployment
	statefulsets []*appsv1.StatefulSet
	services     []*corev1.Service
	ingresses    []*networkingv1.Ingress
	jobs         []*batchv1.Job
	kustomize    map[string]*kustomization // by directory
	files        map[string]bool
}

// newObject returns the typed value for an apiVersion and kind, or nil.
func newObject(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}
	case "v1 Service":
		return &corev1.Service{}
	case "v1 Namespace":
		return &corev1.Namespace{}
	case "v1 LimitRange":
		return &corev1.LimitRange{}
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}
	case "batch/v1 Job":
		return &batchv1.Job{}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		return &kustomization{}
	}
	return nil
}

// decodeManifests decodes every document with an apiVersion and a kind in
// the YAML files under sub of the project in root strictly: an unknown or
// duplicate field, or a kind the test does not know, is an error naming the
// file (relative to root) and the document.
func decodeManifests(root, sub string) (*manifests, error) {
	dir := filepath.Join(root, filepath.FromSlash(sub))
	m := &manifests{kustomize: map[string]*kustomization{}, files: map[string]bool{}}
	var errs []error
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == ".goldenpath" || p == ".github" || p == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		m.files[p] = true
		name := path.Join(sub, p)
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for doc := 1; ; doc++ {
			var n yaml.Node
			if err := dec.Decode(&n); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				errs = append(errs, fmt.Errorf("%s: document %d: %v", name, doc, err))
				break
			}
			var head struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			if err := n.Decode(&head); err != nil || head.Kind == "" {
				continue // not a Kubernetes object (compose.yaml, say)
			}
			raw, err := yaml.Marshal(&n)
			if err != nil {
				return err
			}
			obj := newObject(head.APIVersion, head.Kind)
			if obj == nil {
				errs = append(errs, fmt.Errorf("%s: document %d: %s %s is not a kind this test knows", name, doc, head.APIVersion, head.Kind))
				continue
			}
			if err := sigsyaml.UnmarshalStrict(raw, obj); err != nil {
				errs = append(errs, fmt.Errorf("%s: document %d (%s): %v", name, doc, head.Kind, err))
				continue
			}
			switch o := obj.(type) {
			case *appsv1.Deployment:
				m.deployments = append(m.deployments, o)
			case *appsv1.StatefulSet:
				m.statefulsets = append(m.statefulsets, o)
			case *corev1.Service:
				m.services = append(m.services, o)
			case *networkingv1.Ingress:
				m.ingresses = append(m.ingresses, o)
			case *batchv1.Job:
				m.jobs = append(m.jobs, o)
			case *kustomization:
				m.kustomize[path.Dir(p)] = o
			}
		}
		return nil
	})
	return m, errors.Join(append(errs, err)...)
}

// workload is a pod template with its owner's name.
type workload struct {
	name   string
	labels map[string]string
	pod    corev1.PodSpec
}

func (m *manifests) workloads() []workload {
	var out []workload
	for _, d := range m.deployments {
		out = append(out, workload{"Deployment " + d.Name, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, s := range m.statefulsets {
		out = append(out, workload{"StatefulSet " + s.Name, s.Spec.Template.Labels, s.Spec.Template.Spec})
	}
	for _, j := range m.jobs {
		out = append(out, workload{"Job " + j.Name, j.Spec.Template.Labels, j.Spec.Template.Spec})
	}
	return out
}

// hasPort reports whether the containers expose port, by name or number.
func hasPort(cs []corev1.Container, port intstr.IntOrString) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if port.Type == intstr.String && p.Name == port.StrVal || port.Type == intstr.Int && p.ContainerPort == port.IntVal {
				return true
			}
		}
	}
	return false
}

// consistent checks what holds in any project: every probe names a port of
// its container, every Service selects a workload that has its target
// ports, every Ingress backend is a Service port, a PORT variable is the
// port named http, and a kustomization lists files that exist.
func (m *manifests) consistent() error {
	var errs []error
	for _, w := range m.workloads() {
		for _, c := range w.pod.Containers {
			for name, pr := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
				if pr != nil && pr.HTTPGet != nil && !hasPort([]corev1.Container{c}, pr.HTTPGet.Port) {
					errs = append(errs, fmt.Errorf("%s: container %s: %s probe port %s is not a container port", w.name, c.Name, name, pr.HTTPGet.Port.String()))
				}
			}
			for _, e := range c.Env {
				if e.Name != "PORT" {
					continue
				}
				if !hasPort([]corev1.Container{c}, intstr.FromString("http")) || !hasPort([]corev1.Container{c}, intstr.Parse(e.Value)) {
					errs = append(errs, fmt.Errorf("%s: container %s: PORT=%s is not its http port", w.name, c.Name, e.Value))
				}
			}
		}
	}
	for _, s := range m.services {
		var targets []workload
		for _, w := range m.workloads() {
			if len(s.Spec.Selector) > 0 && selects(s.Spec.Selector, w.labels) {
				targets = append(targets, w)
			}
		}
		if len(targets) == 0 {
			errs = append(errs, fmt.Errorf("Service %s selects no workload (%v)", s.Name, s.Spec.Selector))
		}
		for _, p := range s.Spec.Ports {
			for _, w := range targets {
				if !hasPort(w.pod.Containers, p.TargetPort) {
					errs = append(errs, fmt.Errorf("Service %s: port %s targets %s, which %s does not expose", s.Name, p.Name, p.TargetPort.String(), w.name))
				}
			}
		}
	}
	for _, ing := range m.ingresses {
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if b == nil {
					continue
				}
				i := slices.IndexFunc(m.services, func(s *corev1.Service) bool { return s.Name == b.Name })
				if i < 0 {
					errs = append(errs, fmt.Errorf("Ingress %s: backend Service %s does not exist", ing.Name, b.Name))
					continue
				}
				if !slices.ContainsFunc(m.services[i].Spec.Ports, func(sp corev1.ServicePort) bool {
					return b.Port.Name != "" && sp.Name == b.Port.Name || b.Port.Number != 0 && sp.Port == b.Port.Number
				}) {
					errs = append(errs, fmt.Errorf("Ingress %s: Service %s has no port %s%d", ing.Name, b.Name, b.Port.Name, b.Port.Number))
				}
			}
		}
	}
	for dir, k := range m.kustomize {
		for _, r := range k.Resources {
			if !m.files[path.Join(dir, r)] {
				errs = append(errs, fmt.Errorf("%s/kustomization.yaml: resource %s does not exist", dir, r))
			}
		}
	}
	return errors.Join(errs...)
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// containerPort returns the port named name of the container named
// container in the Deployment named deployment, or 0.
func (m *manifests) containerPort(deployment, container, name string) int32 {
	for _, d := range m.deployments {
		if d.Name != deployment {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.Name != container {
				continue
			}
			for _, p := range c.Ports {
				if p.Name == name {
					return p.ContainerPort
				}
			}
		}
	}
	return 0
}

// kube is the check that every project's Kubernetes manifests decode
// strictly and are consistent, plus what agree adds.
func kube(dir string, agree func(p *blueprinttest.Project, m *manifests) error) blueprinttest.MatrixCheck {
	return blueprinttest.MatrixCheck{Name: "kubernetes", Func: func(_ context.Context, p *blueprinttest.Project) error {
		m, err := decodeManifests(p.Dir, dir)
		if err != nil {
			return err
		}
		if err := m.consistent(); err != nil {
			return err
		}
		if agree != nil {
			return agree(p, m)
		}
		return nil
	}}
}

// intParam returns the integer parameter at path.
func intParam(p *blueprinttest.Project, path string) int32 {
	v, _ := p.Params.Lookup(path)
	n, _ := strconv.Atoi(fmt.Sprint(v))
	return int32(n)
}
