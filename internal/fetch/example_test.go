package fetch_test

import (
	"fmt"

	"github.com/goldenpath-dev/goldenpath/internal/fetch"
)

func ExampleParse() {
	a, err := fetch.Parse("GIT::https://GitHub.com/acme/blueprints.git//services/./go?ref=v1.2.0", fetch.Strict)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.String())
	fmt.Println(a.Pinned("0123456789abcdef0123456789abcdef01234567"))
	_, err = fetch.Parse("git::https://github.com/acme/blueprints.git?ref=-c", fetch.Strict)
	fmt.Println(err)
	// Output:
	// git::https://github.com/acme/blueprints.git//services/go?ref=v1.2.0
	// git::https://github.com/acme/blueprints.git//services/go?ref=0123456789abcdef0123456789abcdef01234567
	// source "git::https://github.com/acme/blueprints.git?ref=-c": ref "-c" starts with '-'
}
