package pgstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/pgstore"
)

// Open a store shared by servers and fleet workers, append a batch (all of
// it, once, or nothing) and stream it back.
func Example() {
	ctx := context.Background()
	st, err := pgstore.Open(ctx, "postgres://gp@db.internal/goldenpath", &pgstore.Options{MaxConns: 8})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	var rec feedback.Recorder
	rating := rec.New(feedback.SourceRating, feedback.Subject{Blueprint: "go-service"})
	if err := st.Append(ctx, rating); err != nil {
		log.Fatal(err)
	}
	for s, err := range st.Query(ctx, feedback.Filter{Blueprint: "go-service", Source: feedback.SourceRating}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.ID)
	}
}
