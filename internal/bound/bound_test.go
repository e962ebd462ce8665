package bound

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var errSlow = errors.New("too slow")

func TestRun(t *testing.T) {
	ctx := context.Background()
	assert.NoError(t, Run(ctx, time.Second, errSlow, func() error { return nil }))
	boom := errors.New("boom")
	assert.ErrorIs(t, Run(ctx, time.Second, errSlow, func() error { return boom }), boom)

	release := make(chan struct{})
	defer close(release)
	err := Run(ctx, 10*time.Millisecond, errSlow, func() error { <-release; return nil })
	assert.ErrorIs(t, err, errSlow)
	assert.Contains(t, err.Error(), "after 10ms")

	err = Run(ctx, time.Second, errSlow, func() error { panic("evaluator bug") })
	assert.EqualError(t, err, "cue evaluation failed: evaluator bug")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, Run(cctx, time.Second, errSlow, func() error { <-release; return nil }), context.Canceled)
}
