package fn

import (
	"fmt"
	"strings"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/platform/function-catalog-api/apis/v1alpha1"
	"github.com/platform/function-catalog-api/internal/engine"
)

// What a render writes into the response besides the composed resources:
// part conditions, the XR's status and readiness, and results.

// setPartConditions sets each part's condition, warns of its problems and
// says whether every part serves.
func setPartConditions(rsp *fnv1.RunFunctionResponse, conditions []engine.PartCondition) bool {
	allReady := true
	for _, c := range conditions {
		allReady = allReady && c.Serving
		setCondition(rsp, c)
		for _, p := range c.Problems {
			response.Warning(rsp, errors.New(p)).TargetComposite()
		}
	}
	return allReady
}

func setCondition(rsp *fnv1.RunFunctionResponse, c engine.PartCondition) {
	var co *response.ConditionOption
	if c.Ready {
		co = response.ConditionTrue(rsp, c.Type, c.Reason)
	} else {
		co = response.ConditionFalse(rsp, c.Type, c.Reason)
	}
	co.WithMessage(c.Message).TargetComposite()
}

// HeldMessage starts the Normal result of a render that holds resources
// back (internal/engine/newkinds.go says why).
const HeldMessage = "composing one resource of each kind this CatalogApi does not have yet first"

// reportKept reports the resources held back, the observed resources kept
// on purpose and the Usages dropped on purpose (Normal), and those kept
// because nothing renders them any more (Warning).
func reportKept(rsp *fnv1.RunFunctionResponse, plan *engine.Plan) {
	for _, k := range plan.KeptOnPurpose {
		response.Normal(rsp, k.Message).TargetComposite()
	}
	for _, k := range plan.DroppedUsages {
		response.Normal(rsp, k.Message).TargetComposite()
	}
	if len(plan.Held) > 0 {
		response.Normal(rsp, fmt.Sprintf("%s: %d more follow in the next render (%s)", HeldMessage, len(plan.Held), strings.Join(plan.Held, ", "))).TargetComposite()
	}
	for _, k := range plan.Unrendered {
		response.Warning(rsp, fmt.Errorf("kept observed resource %q unchanged: no part of the stack renders it any more, and dropping it would delete it", k)).TargetComposite()
	}
}

// setStatus writes the XR's status and readiness into the desired composite
// resource. The XR is ready only when every part serves (every resource
// rendered and Ready; a resource that reports Synced=False after a failed
// update still serves, and its part's condition says what failed):
// Crossplane alone would call it ready once the resources rendered so far
// are, before the later phases (service, CDN, scaling) even exist.
func setStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, st v1alpha1.CatalogApiStatus, ready bool) error {
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return errors.Wrap(err, "cannot get the desired CatalogApi")
	}
	// The whole status is the function's: replace what the desired XR
	// carries; fieldpath's SetValue converts it through JSON.
	delete(dxr.Resource.Object, "status")
	if err := dxr.Resource.SetValue("status", st); err != nil {
		return errors.Wrap(err, "cannot set the CatalogApi status")
	}
	dxr.Ready = resource.ReadyFalse
	if ready {
		dxr.Ready = resource.ReadyTrue
	}
	return errors.Wrap(response.SetDesiredCompositeResource(rsp, dxr), "cannot set the desired CatalogApi")
}
