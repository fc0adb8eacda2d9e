// Command gen writes the TypeScript query model generated from pkg/models.
package main

import (
	"fmt"
	"os"

	"github.com/leakwatch/pprof-datasource/pkg/models"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen <output.ts>")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], []byte(models.TypeScript()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
