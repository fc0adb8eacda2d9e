package main

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestAccumulatorLongRunRateIsExact drives the accumulator with jittery tick intervals, as a
// loaded machine would, and checks the released total never strays a whole unit from
// rate × elapsed: the property the integration tests' ±10 % bounds rely on.
func TestAccumulatorLongRunRateIsExact(t *testing.T) {
	rates := []float64{50, 0.3, 1234.5678, 8 << 20, 1e9}
	for _, rate := range rates {
		rng := rand.New(rand.NewPCG(1, uint64(rate)))
		var acc accumulator
		var released int64
		var elapsed time.Duration
		for i := range 20000 {
			step := time.Duration(1+rng.IntN(150)) * time.Millisecond
			elapsed += step
			released += acc.take(rate, step)
			want := rate * elapsed.Seconds()
			// Allow float rounding relative to the total, on top of the < 1 unit carry.
			eps := 1e-9 * math.Max(1, want)
			if diff := want - float64(released); diff < -eps || diff >= 1+eps {
				t.Fatalf("rate %v, tick %d after %v: released %d, want %v (within one unit below)", rate, i, elapsed, released, want)
			}
		}
	}
}

// TestAccumulatorFractionalRate checks a rate below one unit per tick still releases units:
// per-tick rounding would never start a single goroutine at 0.5/s with 250 ms ticks.
func TestAccumulatorFractionalRate(t *testing.T) {
	var acc accumulator
	var got []int64
	for range 16 {
		got = append(got, acc.take(0.5, 250*time.Millisecond))
	}
	// 0.125 units per tick is exact in binary, so the releases land exactly on ticks 8 and 16.
	for i, n := range got {
		want := int64(0)
		if i == 7 || i == 15 {
			want = 1
		}
		if n != want {
			t.Fatalf("tick %d released %d, want %d (all: %v)", i+1, n, want, got)
		}
	}
}

// TestAccumulatorStopDropsCarry checks that stopping a pattern forgets the pending fraction,
// so a restart does not release a unit straight away.
func TestAccumulatorStopDropsCarry(t *testing.T) {
	var acc accumulator
	if n := acc.take(0.75, time.Second); n != 0 {
		t.Fatalf("first second released %d, want 0", n)
	}
	if n := acc.take(0, time.Second); n != 0 {
		t.Fatalf("stopped pattern released %d, want 0", n)
	}
	if n := acc.take(0.75, time.Second); n != 0 {
		t.Fatalf("restart released %d, want 0: the 0.75 carried from before the stop must be dropped", n)
	}
	if n := acc.take(0.75, time.Second); n != 1 {
		t.Fatalf("second second after restart released %d, want 1", n)
	}
}

func TestAccumulatorCapsCatchUp(t *testing.T) {
	var acc accumulator
	if n, want := acc.take(10, time.Minute), int64(10*maxCatchUp.Seconds()); n != want {
		t.Fatalf("after a one-minute stall released %d, want %d (capped at %v)", n, want, maxCatchUp)
	}
}

func TestAccumulatorRejectsInvalidInput(t *testing.T) {
	tests := []struct {
		name    string
		rate    float64
		elapsed time.Duration
	}{
		{"zero elapsed", 100, 0},
		{"negative elapsed", 100, -time.Second},
		{"negative rate", -100, time.Second},
		{"NaN rate", math.NaN(), time.Second},
		{"infinite rate", math.Inf(1), time.Second},
		{"rate above max", maxRate * 2, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var acc accumulator
			if n := acc.take(tt.rate, tt.elapsed); n != 0 {
				t.Fatalf("take(%v, %v) = %d, want 0", tt.rate, tt.elapsed, n)
			}
		})
	}
}
