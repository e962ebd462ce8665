package flagusage_test

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/goldenpath-dev/goldenpath/examples/internal/flagusage"
)

func TestPrint(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var b bytes.Buffer
	fs.SetOutput(&b)
	fs.String("o", "", "render into `DIR`")
	fs.Int("files", 5000, "how many `N` files")
	fs.Bool("check", false, "check the projects")
	flagusage.Print(fs)
	want := `  --check     check the projects
  --files N   how many N files (default 5000)
  -o DIR      render into DIR
  -h, --help  show this help
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func ExamplePrint() {
	fs := flag.NewFlagSet("tool", flag.ContinueOnError)
	fs.String("addr", "localhost:8080", "listen on `ADDRESS`")
	fs.SetOutput(os.Stdout)
	flagusage.Print(fs)
	// Output:
	//   --addr ADDRESS  listen on ADDRESS (default localhost:8080)
	//   -h, --help      show this help
}
