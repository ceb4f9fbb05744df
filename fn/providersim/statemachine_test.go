package providersim

import (
	"errors"
	"testing"
)

// TestTaskRetry: a Task with a States.ALL retrier survives failed calls
// within its attempts, waiting with backoff; without a retrier, or beyond
// the attempts, the first failure fails the execution.
func TestTaskRetry(t *testing.T) {
	const withRetry = `{"Comment":"c","StartAt":"Call","TimeoutSeconds":3600,"States":{"Call":{"Type":"Task","Resource":"r",` +
		`"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2,"JitterStrategy":"FULL"}],"End":true}}}`
	const without = `{"Comment":"c","StartAt":"Call","TimeoutSeconds":3600,"States":{"Call":{"Type":"Task","Resource":"r","End":true}}}`
	errThrottled := errors.New("Ecs.ThrottlingException")
	cases := map[string]struct {
		definition string
		failures   int
		wantErr    bool
	}{
		"NoFailure":         {definition: withRetry},
		"ThrottledTwice":    {definition: withRetry, failures: 2},
		"ThrottledTooOften": {definition: withRetry, failures: 4, wantErr: true},
		"NoRetrier":         {definition: without, failures: 1, wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := parseStateMachine(tc.definition)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			err = m.run(func(string, map[string]any) (map[string]any, error) {
				calls++
				if calls <= tc.failures {
					return nil, errThrottled
				}
				return map[string]any{}, nil
			})
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v after %d calls, want error %v", err, calls, tc.wantErr)
			}
		})
	}
}
