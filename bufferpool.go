package main

import (
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
)

// useRightSizedBuffers replaces gRPC's default buffer pool, which gives every
// message between 32 KiB and 1 MiB a 1 MiB buffer. The function's responses
// are 48 to 64 KiB, so at 64 concurrent requests those buffers were most of
// the peak RSS (measured with the load driver, README "Performance"). It must
// run before the server starts. The API is gRPC's experimental package: a
// gRPC upgrade may move it.
func useRightSizedBuffers() {
	tiers := []int{256, 4 << 10, 16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20}
	experimental.SetDefaultBufferPool(mem.NewTieredBufferPool(tiers...))
}
