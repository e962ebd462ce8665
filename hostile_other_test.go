//go:build !unix

package goldenpath_test

import (
	"os"
	"time"
)

func maxRSS(*os.ProcessState) int64 { return -1 }

func processCPU() time.Duration { return -1 }
