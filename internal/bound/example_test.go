package bound_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/goldenpath-dev/goldenpath/internal/bound"
)

func ExampleRun() {
	errSlow := errors.New("evaluation timed out")
	err := bound.Run(context.Background(), 10*time.Millisecond, errSlow, func() error {
		time.Sleep(time.Second) // an evaluation that takes too long
		return nil
	})
	fmt.Println(err, errors.Is(err, errSlow))
	// Output: evaluation timed out after 10ms true
}
