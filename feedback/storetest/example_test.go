package storetest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/storetest"
)

// A store's tests check it against every rule of the contract; in a test,
// storetest.Run(t, newStore, opts) runs each rule as a subtest instead. A
// memory store has nothing to reopen: it passes no Options.
func ExampleTestStore() {
	err := storetest.TestStore(context.Background(), func(context.Context) (feedback.Store, error) {
		return feedback.NewMemoryStore(), nil
	}, nil)
	fmt.Println("failures:", err)
	// Output: failures: <nil>
}

// A store kept on disk also says how to reopen what it stored, so that the
// kit checks that appended signals are in the file for the next process.
func ExampleOptions_reopen() {
	dir, err := os.MkdirTemp("", "storetest")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	n := 0
	newStore := func(context.Context) (feedback.Store, error) {
		n++
		return feedback.OpenFileStore(filepath.Join(dir, fmt.Sprintf("signals-%d.jsonl", n)), nil)
	}
	reopen := func(_ context.Context, st feedback.Store) (feedback.Store, error) {
		return feedback.OpenFileStore(st.(*feedback.FileStore).Path(), nil)
	}
	err = storetest.TestStore(context.Background(), newStore, &storetest.Options{Reopen: reopen})
	fmt.Println("failures:", err)
	// Output: failures: <nil>
}
