// Package fn is the composition function: it renders one CatalogApi into the
// provider-aws managed resources of the catalog API's production stack. This
// file is the gRPC entry point; each part of the stack is a file of its own
// (network.go, database.go, ...), composed by internal/engine.
package fn

import (
	"context"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/platform/function-catalog-api/input/v1beta1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// Function renders CatalogApis.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
	// revisions are the function's defaults revisions (defaults.go).
	revisions Revisions
}

// NewFunction returns a Function that logs to log.
func NewFunction(log logging.Logger) *Function {
	RegisterTypes()
	return &Function{log: log, revisions: BuiltinRevisions()}
}

// RunFunction renders the stack: read the request, compose, write the
// response. Any error is a Fatal result and nothing is rendered.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)
	r, done := f.read(req, rsp)
	if done != nil {
		return done, nil
	}
	if err := render(req, rsp, r.spec, r.observed); err != nil {
		var invalid ValidationError
		if !errors.As(err, &invalid) {
			err = errors.Wrap(err, "cannot render the CatalogApi stack")
		}
		return fatal(req, err), nil
	}
	r.log.Debug("Rendered CatalogApi", "resources", len(rsp.GetDesired().GetResources()))
	return rsp, nil
}

// PlanOf composes the stack of a request as RunFunction renders it, for
// tools that read what the parts declare beside the rendered resources
// (catalogapi preview reads Desired.OnChange). It returns an error when
// RunFunction would render nothing: a refused request, or one still
// waiting for the required resources.
func PlanOf(req *fnv1.RunFunctionRequest) (*engine.Plan, error) {
	f := NewFunction(logging.NewNopLogger())
	r, done := f.read(req, response.To(req, response.DefaultTTL))
	if done != nil {
		return nil, errors.New("the function renders no stack for this request")
	}
	return Compose(r.spec, r.observed)
}

// renderInput is what RunFunction renders from: the spec as decided (claim
// included) and what is observed.
type renderInput struct {
	spec     *Spec
	observed engine.Observed
	log      logging.Logger
}

// read reads the request into what is rendered. When nothing is to be
// rendered it returns the final response instead: a Fatal result, or the
// requirement of the suffix claim markers.
func (f *Function) read(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) (renderInput, *fnv1.RunFunctionResponse) {
	xr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the observed CatalogApi"))
		return renderInput{}, rsp
	}
	log := f.log.WithValues("xr-name", xr.Resource.GetName(), "xr-namespace", xr.Resource.GetNamespace())

	in := &v1beta1.Input{}
	if req.GetInput() != nil {
		if err := request.GetInput(req, in); err != nil {
			response.Fatal(rsp, errors.Wrap(err, "cannot get the function's input"))
			return renderInput{}, rsp
		}
	}
	observed := engine.NewObserved(req.GetObserved().GetResources())
	spec, err := newSpec(xr.Resource, in, observed, f.revisions)
	if err != nil {
		log.Info("Rejected CatalogApi", "error", err)
		response.Fatal(rsp, err)
		return renderInput{}, rsp
	}
	if err := refuseUnaskedMoves(spec, observed); err != nil {
		log.Info("Refused CatalogApi", "error", err)
		return renderInput{}, fatal(req, err)
	}
	claim, asked, err := claimSuffix(req, rsp, spec, observed)
	if err != nil {
		log.Info("Refused CatalogApi", "error", err)
		return renderInput{}, fatal(req, err)
	}
	if asked {
		return renderInput{}, rsp
	}
	spec = spec.Claimed(claim)
	return renderInput{spec: spec, observed: observed, log: log}, nil
}

// fatal renders nothing: a fresh response holds only the Fatal result.
func fatal(req *fnv1.RunFunctionRequest, err error) *fnv1.RunFunctionResponse {
	rsp := response.To(req, response.DefaultTTL)
	response.Fatal(rsp, err)
	return rsp
}

// render composes the stack and writes resources, status and conditions.
func render(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Spec, o engine.Observed) error {
	plan, err := Compose(s, o)
	if err != nil {
		return err
	}
	desired, ready, err := plan.Desired(o)
	if err != nil {
		return err
	}
	if err := refuseImmutableChanges(engine.ImmutableChanges(plan, desired, o)); err != nil {
		return err
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		return errors.Wrap(err, "cannot set the desired composed resources")
	}
	allReady := setPartConditions(rsp, engine.PartConditions(plan, ready, o))
	if err := setStatus(req, rsp, Status(s, o), allReady); err != nil {
		return err
	}
	setTTL(rsp, ttlOf(len(plan.Held) > 0, allReady))
	reportKept(rsp, plan)
	return nil
}
