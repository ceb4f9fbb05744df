// Package fn is the composition function: it renders one CatalogApi into the
// provider-aws managed resources of the catalog API's production stack.
package fn

import (
	"context"
	"fmt"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/platform/function-catalog-api/input/v1beta1"
)

// Function renders CatalogApis.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// NewFunction returns a Function that logs to log.
func NewFunction(log logging.Logger) *Function {
	RegisterTypes()
	return &Function{log: log}
}

// RunFunction renders the stack: read the request, compose, write the
// response. Any error is a Fatal result and nothing is rendered.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	xr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the observed CatalogApi"))
		return rsp, nil
	}
	log := f.log.WithValues("xr-name", xr.Resource.GetName(), "xr-namespace", xr.Resource.GetNamespace())

	in := &v1beta1.Input{}
	if req.GetInput() != nil {
		if err := request.GetInput(req, in); err != nil {
			response.Fatal(rsp, errors.Wrap(err, "cannot get the function's input"))
			return rsp, nil
		}
	}
	spec, err := NewSpec(xr.Resource, in)
	if err != nil {
		log.Info("Rejected CatalogApi", "error", err)
		response.Fatal(rsp, err)
		return rsp, nil
	}
	observed := NewObserved(req.GetObserved().GetResources())
	asked, err := claimSuffix(req, rsp, spec, observed)
	if err != nil {
		log.Info("Refused CatalogApi", "error", err)
		return fatal(req, err), nil
	}
	if asked {
		return rsp, nil
	}
	var keyed bool
	spec.OriginVerifyValue, keyed = originVerifyValue(req, string(xr.Resource.GetUID()), spec.XRNamespace, spec.XRName)
	if !keyed {
		response.Warning(rsp, errors.Errorf("no %q credentials with key %q: the %s header value derives from the XR's UID; give the pipeline step a Secret with a random key", OriginVerifyCredentials, OriginVerifyKey, OriginVerifyHeader)).TargetComposite()
	}
	if err := f.render(req, rsp, spec, observed); err != nil {
		var invalid ValidationError
		if !errors.As(err, &invalid) {
			err = errors.Wrap(err, "cannot render the CatalogApi stack")
		}
		return fatal(req, err), nil
	}
	log.Debug("Rendered CatalogApi", "resources", len(rsp.GetDesired().GetResources()))
	return rsp, nil
}

// fatal renders nothing: a fresh response holds only the Fatal result.
func fatal(req *fnv1.RunFunctionRequest, err error) *fnv1.RunFunctionResponse {
	rsp := response.To(req, response.DefaultTTL)
	response.Fatal(rsp, err)
	return rsp
}

// claimSuffix decides whether this CatalogApi may render its stack (see
// claim.go). It returns asked=true when Crossplane has not yet supplied the
// claim markers: the response then carries the requirement and nothing
// else, and Crossplane calls again with them before it applies anything.
// Otherwise it sets spec.Claim and keeps the requirement in the response
// (Crossplane's requirement loop ends when it sees the same one twice).
func claimSuffix(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, spec *Spec, o Observed) (asked bool, err error) {
	if request.AdvertisesCapabilities(req) && !request.HasCapability(req, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES) {
		return false, errors.New("this Crossplane does not supply required resources; the function needs them to refuse a second CatalogApi with the same spec.environmentSuffix")
	}
	others, resolved, err := suffixClaims(req, spec)
	if err != nil {
		return false, errors.Wrap(err, "cannot read the required claim markers")
	}
	requireSuffixClaims(rsp, spec)
	if !resolved {
		return true, nil
	}
	spec.Claim, err = decideClaim(spec, others, o)
	return false, err
}

// render composes the stack and writes resources, status and conditions.
func (f *Function) render(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Spec, o Observed) error {
	plan, err := Compose(s, o)
	if err != nil {
		return err
	}
	desired, ready, err := toDesiredResources(plan, o)
	if err != nil {
		return err
	}
	if err := checkImmutable(plan.Resources, desired, o); err != nil {
		return err
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		return errors.Wrap(err, "cannot set the desired composed resources")
	}
	allReady := setPartConditions(rsp, plan, ready, o)
	if err := setStatus(req, rsp, s, o, allReady); err != nil {
		return err
	}
	setTTL(rsp, allReady)
	reportKept(rsp, plan)
	return nil
}

// toDesiredResources converts the plan's resources and says which are ready.
func toDesiredResources(plan *Plan, o Observed) (desired map[resource.Name]*resource.DesiredComposed, ready map[string]bool, err error) {
	desired = make(map[resource.Name]*resource.DesiredComposed, len(plan.Resources))
	ready = map[string]bool{}
	for _, d := range plan.Resources {
		dc, err := toDesiredResource(d, o)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "cannot convert %s", d.Key)
		}
		desired[resource.Name(d.Key)] = dc
		ready[d.Key] = dc.Ready == resource.ReadyTrue
	}
	return desired, ready, nil
}

// setPartConditions sets each part's condition, warns of its problems and
// says whether every part serves.
func setPartConditions(rsp *fnv1.RunFunctionResponse, plan *Plan, ready map[string]bool, o Observed) bool {
	allReady := true
	for _, pr := range plan.Parts {
		c := partCondition(pr, ready, o)
		allReady = allReady && c.Serving
		setCondition(rsp, c)
		for _, p := range c.Problems {
			response.Warning(rsp, errors.New(p)).TargetComposite()
		}
	}
	return allReady
}

// reportKept reports the observed resources kept on purpose (Normal) and
// those kept because nothing renders them any more (Warning).
func reportKept(rsp *fnv1.RunFunctionResponse, plan *Plan) {
	for _, k := range plan.KeptOnPurpose {
		response.Normal(rsp, k.Message).TargetComposite()
	}
	for _, k := range plan.LetGo {
		response.Normal(rsp, k.Message).TargetComposite()
	}
	for _, k := range plan.Kept {
		response.Warning(rsp, fmt.Errorf("kept observed resource %q unchanged: no part of the stack renders it any more, and dropping it would delete it", k)).TargetComposite()
	}
}

// toDesiredResource converts a typed resource with the SDK's composed.From
// and decides its readiness.
func toDesiredResource(d Desired, o Observed) (*resource.DesiredComposed, error) {
	u, err := composed.From(d.Object)
	if err != nil {
		return nil, err
	}
	for _, path := range d.EmptyStrings {
		if err := u.SetString(path, ""); err != nil {
			return nil, errors.Wrapf(err, "cannot set %s", path)
		}
	}
	return &resource.DesiredComposed{Resource: u, Ready: readiness(d, o)}, nil
}

// setStatus writes the XR's status and readiness into the desired composite
// resource. The XR is ready only when every part serves (every resource
// rendered and Ready; a resource that reports Synced=False after a failed
// update still serves, and its part's condition says what failed): Crossplane alone would
// call it ready once the resources rendered so far are, before the later
// phases (service, CDN, scaling) even exist.
func setStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Spec, o Observed, ready bool) error {
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return errors.Wrap(err, "cannot get the desired CatalogApi")
	}
	// The whole status is the function's: replace what the desired XR
	// carries, as fieldpath's SetValue converts it through JSON.
	delete(dxr.Resource.Object, "status")
	if err := dxr.Resource.SetValue("status", Status(s, o)); err != nil {
		return errors.Wrap(err, "cannot set the CatalogApi status")
	}
	dxr.Ready = resource.ReadyFalse
	if ready {
		dxr.Ready = resource.ReadyTrue
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		return errors.Wrap(err, "cannot set the desired CatalogApi")
	}
	return nil
}

func setCondition(rsp *fnv1.RunFunctionResponse, c PartCondition) {
	var co *response.ConditionOption
	if c.Ready {
		co = response.ConditionTrue(rsp, c.Type, c.Reason)
	} else {
		co = response.ConditionFalse(rsp, c.Type, c.Reason)
	}
	co.WithMessage(c.Message).TargetComposite()
}
