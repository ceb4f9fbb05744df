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
	observed := engine.NewObserved(req.GetObserved().GetResources())
	claim, asked, err := claimSuffix(req, rsp, spec, observed)
	if err != nil {
		log.Info("Refused CatalogApi", "error", err)
		return fatal(req, err), nil
	}
	if asked {
		return rsp, nil
	}
	spec = spec.Claimed(claim).WithOriginVerifyValue(originVerifyValueOf(req, rsp, spec, string(xr.Resource.GetUID())))
	if err := render(req, rsp, spec, observed); err != nil {
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
	setTTL(rsp, allReady)
	reportKept(rsp, plan)
	return nil
}
