package profiles

import (
	"fmt"

	"github.com/google/pprof/profile"
)

// SameBinary reports whether a and b come from the same program build, comparing their main
// mappings (the first, which Go writes for the executable): by build ID when both have one,
// else by file name. When they differ, the reason names both sides, so a diff across a deploy
// can carry a warning. Profiles without mappings count as the same.
func SameBinary(a, b *profile.Profile) (bool, string) {
	if len(a.Mapping) == 0 || len(b.Mapping) == 0 {
		return true, ""
	}
	ma, mb := a.Mapping[0], b.Mapping[0]
	if ma.BuildID != "" && mb.BuildID != "" {
		if ma.BuildID != mb.BuildID {
			return false, fmt.Sprintf("build ID %s differs from %s", mb.BuildID, ma.BuildID)
		}
		return true, ""
	}
	if ma.File != mb.File {
		return false, fmt.Sprintf("binary %s differs from %s", mb.File, ma.File)
	}
	return true, ""
}
