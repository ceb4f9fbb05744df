package engine

import (
	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Desired converts the plan's resources with the SDK's composed.From, for
// response.SetDesiredComposedResources, each with its readiness; ready says
// which are ready.
func (p *Plan) Desired(o Observed) (desired map[resource.Name]*resource.DesiredComposed, ready map[string]bool, err error) {
	desired = make(map[resource.Name]*resource.DesiredComposed, len(p.Resources))
	ready = make(map[string]bool, len(p.Resources))
	for _, d := range p.Resources {
		dc, err := toDesiredComposed(d, o)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "cannot convert %s", d.Key)
		}
		desired[resource.Name(d.Key)] = dc
		ready[d.Key] = dc.Ready == resource.ReadyTrue
	}
	return desired, ready, nil
}

// toDesiredComposed converts one typed resource and decides its readiness.
func toDesiredComposed(d Desired, o Observed) (*resource.DesiredComposed, error) {
	u, err := composed.From(d.Object)
	if err != nil {
		return nil, errors.Wrap(err, "cannot convert to an unstructured object")
	}
	for _, path := range d.EmptyStrings {
		if err := u.SetString(path, ""); err != nil {
			return nil, errors.Wrapf(err, "cannot set %s", path)
		}
	}
	return &resource.DesiredComposed{Resource: u, Ready: d.ReadyIn(o)}, nil
}
