package providersim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A Step Functions state machine, run the way Step Functions runs it, for
// the subset of the Amazon States Language the stack's state machines use:
// Task states calling AWS SDK integrations (with Parameters and a
// ResultSelector of paths and States.ArrayLength), Choice states with
// NumericEquals, Wait states with Seconds, and Succeed. Anything else is an
// error, so that a definition the simulator cannot play never passes.

// maxSteps bounds a run: a definition that loops forever fails.
const maxSteps = 1000

type stateMachine struct {
	Comment        string
	StartAt        string
	TimeoutSeconds int
	States         map[string]asState
}

type asState struct {
	Type           string
	Resource       string
	Parameters     map[string]any
	ResultSelector map[string]any
	ResultPath     *string
	Choices        []asChoice
	Default        string
	Seconds        int
	Next           string
	End            bool
}

type asChoice struct {
	Variable      string
	NumericEquals *float64
	Next          string
}

// sdkCall answers a Task's AWS SDK integration call.
type sdkCall func(resource string, params map[string]any) (map[string]any, error)

func parseStateMachine(definition string) (*stateMachine, error) {
	m := &stateMachine{}
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("definition is not a state machine the simulator implements: %w", err)
	}
	if _, ok := m.States[m.StartAt]; !ok {
		return nil, fmt.Errorf("StartAt %q is not a state", m.StartAt)
	}
	return m, nil
}

// run executes the state machine from an empty input. Waiting longer in
// total than TimeoutSeconds fails the execution, as Step Functions does.
func (m *stateMachine) run(call sdkCall) error {
	input := map[string]any{}
	name, waited := m.StartAt, 0
	for range maxSteps {
		st, ok := m.States[name]
		if !ok {
			return fmt.Errorf("state %q does not exist", name)
		}
		var next string
		var err error
		switch st.Type {
		case "Task":
			input, err = st.task(call, input)
			next = st.Next
		case "Choice":
			next, err = st.choose(input)
		case "Wait":
			waited += st.Seconds
			next = st.Next
		case "Succeed":
			return nil
		default:
			err = fmt.Errorf("state type %q is not implemented by the simulator", st.Type)
		}
		if err != nil {
			return fmt.Errorf("state %s: %w", name, err)
		}
		if m.TimeoutSeconds > 0 && waited > m.TimeoutSeconds {
			return fmt.Errorf("execution timed out after %d s (States.Timeout)", m.TimeoutSeconds)
		}
		if st.End {
			return nil
		}
		if next == "" {
			return fmt.Errorf("state %s has neither Next nor End", name)
		}
		name = next
	}
	return fmt.Errorf("no end after %d states", maxSteps)
}

func (st asState) task(call sdkCall, input map[string]any) (map[string]any, error) {
	for k := range st.Parameters {
		if strings.HasSuffix(k, ".$") {
			return nil, fmt.Errorf("parameter %s: paths in Parameters are not implemented by the simulator", k)
		}
	}
	result, err := call(st.Resource, st.Parameters)
	if err != nil {
		return nil, err
	}
	if st.ResultSelector != nil {
		if result, err = selectResult(st.ResultSelector, result); err != nil {
			return nil, err
		}
	}
	if st.ResultPath != nil && *st.ResultPath != "$" {
		return nil, fmt.Errorf("ResultPath %q is not implemented by the simulator", *st.ResultPath)
	}
	return result, nil
}

func (st asState) choose(input map[string]any) (string, error) {
	for _, c := range st.Choices {
		if c.NumericEquals == nil {
			return "", errors.New("only NumericEquals choice rules are implemented by the simulator")
		}
		v, err := jsonPath(input, c.Variable)
		if err != nil {
			return "", err
		}
		if n, ok := v.(float64); ok && n == *c.NumericEquals {
			return c.Next, nil
		}
	}
	if st.Default == "" {
		return "", errors.New("no choice matched and there is no Default (States.NoChoiceMatched)")
	}
	return st.Default, nil
}

// selectResult builds a Task's ResultSelector output: keys ending in .$
// take a path or States.ArrayLength(path) of the result; others are
// literals.
func selectResult(selector, result map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range selector {
		name, isPath := strings.CutSuffix(k, ".$")
		if !isPath {
			out[k] = v
			continue
		}
		expr, _ := v.(string)
		value, err := evalExpression(expr, result)
		if err != nil {
			return nil, fmt.Errorf("ResultSelector %s: %w", k, err)
		}
		out[name] = value
	}
	return out, nil
}

func evalExpression(expr string, doc map[string]any) (any, error) {
	if inner, ok := strings.CutPrefix(expr, "States.ArrayLength("); ok {
		v, err := jsonPath(doc, strings.TrimSuffix(inner, ")"))
		if err != nil {
			return nil, err
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an array", inner)
		}
		return float64(len(list)), nil
	}
	return jsonPath(doc, expr)
}

// jsonPath evaluates a path of the form $.A.B[0].C.
func jsonPath(doc map[string]any, path string) (any, error) {
	rest, ok := strings.CutPrefix(path, "$")
	if !ok {
		return nil, fmt.Errorf("path %q must start with $", path)
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(rest, "."), ".") {
		if part == "" {
			continue
		}
		field, index, hasIndex := strings.Cut(part, "[")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("path %q: %s is not in an object", path, field)
		}
		if cur, ok = m[field]; !ok {
			return nil, fmt.Errorf("path %q: no field %s (States.Runtime)", path, field)
		}
		if !hasIndex {
			continue
		}
		i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
		list, ok := cur.([]any)
		if err != nil || !ok || i < 0 || i >= len(list) {
			return nil, fmt.Errorf("path %q: no element [%s] (States.Runtime)", path, index)
		}
		cur = list[i]
	}
	return cur, nil
}
