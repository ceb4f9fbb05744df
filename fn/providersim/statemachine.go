package providersim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// A Step Functions state machine, run the way Step Functions runs it, for
// the subset of the Amazon States Language the stack's state machines use:
// Task states calling AWS SDK integrations (with Parameters and a
// ResultSelector of paths and States.ArrayLength, and a Retry of
// States.ALL), Choice states with
// NumericEquals, Wait states with Seconds, and Succeed. Anything else is an
// error, so that a definition the simulator cannot play never passes.

// maxSteps bounds a run: a definition that loops forever fails.
const maxSteps = 1000

type stateMachine struct {
	Comment        string             `json:"Comment"`
	StartAt        string             `json:"StartAt"`
	TimeoutSeconds int                `json:"TimeoutSeconds"`
	States         map[string]asState `json:"States"`
}

type asState struct {
	Type           string         `json:"Type"`
	Resource       string         `json:"Resource"`
	Parameters     map[string]any `json:"Parameters"`
	ResultSelector map[string]any `json:"ResultSelector"`
	ResultPath     *string        `json:"ResultPath"`
	Choices        []asChoice     `json:"Choices"`
	Default        string         `json:"Default"`
	Retry          []asRetry      `json:"Retry"`
	Seconds        int            `json:"Seconds"`
	Next           string         `json:"Next"`
	End            bool           `json:"End"`
}

// asRetry is a Task's retrier. The simulator plays States.ALL only and
// waits the longest interval jitter allows.
type asRetry struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds int      `json:"IntervalSeconds"`
	MaxAttempts     int      `json:"MaxAttempts"`
	BackoffRate     float64  `json:"BackoffRate"`
	JitterStrategy  string   `json:"JitterStrategy"`
}

type asChoice struct {
	Variable      string   `json:"Variable"`
	NumericEquals *float64 `json:"NumericEquals"`
	Next          string   `json:"Next"`
}

// sdkCall answers a Task's AWS SDK integration call.
type sdkCall func(resource string, params map[string]any) (map[string]any, error)

func parseStateMachine(definition string) (*stateMachine, error) {
	m := &stateMachine{}
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("%w: definition: %w", errNotImplemented, err)
	}
	if _, ok := m.States[m.StartAt]; !ok {
		return nil, fmt.Errorf("%w: StartAt %q is not a state", errInvalid, m.StartAt)
	}
	return m, nil
}

// execution is one run of a state machine.
type execution struct {
	m      *stateMachine
	call   sdkCall
	input  map[string]any
	waited int
}

// run executes the state machine from an empty input. Waiting longer in
// total than TimeoutSeconds fails the execution, as Step Functions does.
func (m *stateMachine) run(call sdkCall) error {
	e := &execution{m: m, call: call, input: map[string]any{}}
	name := m.StartAt
	for range maxSteps {
		next, done, err := e.step(name)
		if err != nil {
			return fmt.Errorf("state %s: %w", name, err)
		}
		if m.TimeoutSeconds > 0 && e.waited > m.TimeoutSeconds {
			return fmt.Errorf("%w: timed out after %d s (States.Timeout)", errExecution, m.TimeoutSeconds)
		}
		if done {
			return nil
		}
		name = next
	}
	return fmt.Errorf("%w: no end after %d states", errExecution, maxSteps)
}

// step runs one state and returns the next one, or done.
func (e *execution) step(name string) (next string, done bool, err error) {
	st, ok := e.m.States[name]
	if !ok {
		return "", false, fmt.Errorf("%w: state does not exist", errInvalid)
	}
	switch st.Type {
	case "Task":
		e.input, err = e.taskWithRetry(st)
		next = st.Next
	case "Choice":
		next, err = st.choose(e.input)
	case "Wait":
		e.waited += st.Seconds
		next = st.Next
	case "Succeed":
		return "", true, nil
	default:
		err = fmt.Errorf("%w: state type %q", errNotImplemented, st.Type)
	}
	switch {
	case err != nil:
		return "", false, err
	case st.End:
		return "", true, nil
	case next == "":
		return "", false, fmt.Errorf("%w: neither Next nor End", errInvalid)
	}
	return next, false, nil
}

// taskWithRetry runs a Task, retrying a failed call as its Retry says:
// the waits between attempts count against the execution's timeout.
func (e *execution) taskWithRetry(st asState) (map[string]any, error) {
	out, err := st.task(e.call)
	if err == nil || len(st.Retry) == 0 {
		return out, err
	}
	r := st.Retry[0]
	if len(st.Retry) != 1 || len(r.ErrorEquals) != 1 || r.ErrorEquals[0] != "States.ALL" {
		return nil, fmt.Errorf("%w: a Retry other than one States.ALL retrier", errNotImplemented)
	}
	interval := float64(r.IntervalSeconds)
	for range r.MaxAttempts {
		e.waited += int(interval)
		interval *= r.BackoffRate
		if out, err = st.task(e.call); err == nil {
			return out, nil
		}
	}
	return nil, err
}

// task calls the state's SDK integration; its result replaces the input
// (the simulator implements only static Parameters and ResultPath "$").
func (st asState) task(call sdkCall) (map[string]any, error) {
	for k := range st.Parameters {
		if strings.HasSuffix(k, ".$") {
			return nil, fmt.Errorf("%w: path parameter %s", errNotImplemented, k)
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
		return nil, fmt.Errorf("%w: ResultPath %q", errNotImplemented, *st.ResultPath)
	}
	return result, nil
}

func (st asState) choose(input map[string]any) (string, error) {
	for _, c := range st.Choices {
		if c.NumericEquals == nil {
			return "", fmt.Errorf("%w: a choice rule other than NumericEquals", errNotImplemented)
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
		return "", fmt.Errorf("%w: no choice matched and there is no Default (States.NoChoiceMatched)", errExecution)
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
	inner, ok := strings.CutPrefix(expr, "States.ArrayLength(")
	if !ok {
		return jsonPath(doc, expr)
	}
	v, err := jsonPath(doc, strings.TrimSuffix(inner, ")"))
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not an array (States.Runtime)", errExecution, inner)
	}
	return float64(len(list)), nil
}

// jsonPath evaluates a path of the form $.A.B[0].C.
func jsonPath(doc map[string]any, path string) (any, error) {
	rest, ok := strings.CutPrefix(path, "$")
	if !ok {
		return nil, fmt.Errorf("%w: path %q must start with $", errInvalid, path)
	}
	var cur any = doc
	for part := range strings.SplitSeq(strings.TrimPrefix(rest, "."), ".") {
		if part == "" {
			continue
		}
		var err error
		if cur, err = pathStep(cur, part); err != nil {
			return nil, fmt.Errorf("path %q: %w", path, err)
		}
	}
	return cur, nil
}

// pathStep follows one step of a path: a field, optionally indexed.
func pathStep(cur any, part string) (any, error) {
	field, index, hasIndex := strings.Cut(part, "[")
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not in an object (States.Runtime)", errExecution, field)
	}
	v, ok := m[field]
	if !ok {
		return nil, fmt.Errorf("%w: no field %s (States.Runtime)", errExecution, field)
	}
	if !hasIndex {
		return v, nil
	}
	i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
	list, ok := v.([]any)
	if err != nil || !ok || i < 0 || i >= len(list) {
		return nil, fmt.Errorf("%w: no element [%s] (States.Runtime)", errExecution, index)
	}
	return list[i], nil
}
