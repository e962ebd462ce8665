//go:build !unix

package main

import "os"

// maxRSSKiB is not measured on this platform: 0.
func maxRSSKiB(*os.ProcessState) int64 { return 0 }
