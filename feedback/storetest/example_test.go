package storetest_test

import (
	"context"
	"fmt"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
)

// A store's tests check it against every rule of the contract; in a test,
// storetest.Run(t, newStore) runs each rule as a subtest instead.
func ExampleTestStore() {
	err := storetest.TestStore(context.Background(), func(context.Context) (feedback.Store, error) {
		return feedback.NewMemoryStore(), nil
	})
	fmt.Println("failures:", err)
	// Output: failures: <nil>
}
