// Package k8stest checks Kubernetes manifests without a cluster: Decode
// reads a YAML stream strictly into the k8s.io/api types, and Cluster runs
// the Jobs of such a stream as local processes, the way the Job controller
// and the kubelet would run their pods.
//
// It is for tests only. It imports k8s.io/api, which the upsertbench
// binary must not link; only _test.go files may import this package
// (cmd/upsertbench's TestBinaryLinksNoKubernetes checks the binary).
package k8stest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Manifests are the objects of one YAML stream, by kind, in stream order.
type Manifests struct {
	ConfigMaps  []corev1.ConfigMap
	Deployments []appsv1.Deployment
	Services    []corev1.Service
	Jobs        []batchv1.Job
	// Kinds lists "Kind/name" of every object in stream order.
	Kinds []string
}

// Decode reads every document of a YAML stream strictly: a field the
// Kubernetes type does not have, a field given twice, a value of the wrong
// type or an unknown kind is an error that names the document. Empty
// documents (a leading comment block) are skipped.
func Decode(data []byte) (*Manifests, error) {
	m := &Manifests{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if isBlank(doc) {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		if err := m.add(tm, doc); err != nil {
			return nil, fmt.Errorf("document %d (%s %s): %w", n, tm.APIVersion, tm.Kind, err)
		}
	}
	return m, nil
}

func (m *Manifests) add(tm metav1.TypeMeta, doc []byte) error {
	var name string
	var err error
	switch gvk := tm.APIVersion + " " + tm.Kind; gvk {
	case "v1 ConfigMap":
		name, err = decodeStrict(doc, &m.ConfigMaps)
	case "v1 Service":
		name, err = decodeStrict(doc, &m.Services)
	case "apps/v1 Deployment":
		name, err = decodeStrict(doc, &m.Deployments)
	case "batch/v1 Job":
		name, err = decodeStrict(doc, &m.Jobs)
	default:
		return fmt.Errorf("unexpected kind %q", gvk)
	}
	if err != nil {
		return err
	}
	if name == "" {
		return errors.New("no metadata.name")
	}
	m.Kinds = append(m.Kinds, tm.Kind+"/"+name)
	return nil
}

// decodeStrict decodes doc into a new T, appends it to list and returns
// its name.
func decodeStrict[T any, PT interface {
	*T
	GetName() string
}](doc []byte, list *[]T) (string, error) {
	var o T
	if err := yaml.UnmarshalStrict(doc, &o); err != nil {
		return "", err
	}
	*list = append(*list, o)
	return PT(&o).GetName(), nil
}

func isBlank(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return false
		}
	}
	return true
}

// Job returns the Job of that name, or nil.
func (m *Manifests) Job(name string) *batchv1.Job { return named(m.Jobs, name) }

// ConfigMap returns the ConfigMap of that name, or nil.
func (m *Manifests) ConfigMap(name string) *corev1.ConfigMap { return named(m.ConfigMaps, name) }

// Deployment returns the Deployment of that name, or nil.
func (m *Manifests) Deployment(name string) *appsv1.Deployment { return named(m.Deployments, name) }

// Service returns the Service of that name, or nil.
func (m *Manifests) Service(name string) *corev1.Service { return named(m.Services, name) }

// named finds the object of that name among objects of one kind.
func named[T any, P interface {
	*T
	GetName() string
}](objects []T, name string) *T {
	for i := range objects {
		if P(&objects[i]).GetName() == name {
			return &objects[i]
		}
	}
	return nil
}
