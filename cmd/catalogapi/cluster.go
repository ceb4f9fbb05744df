package main

import (
	"context"
	"errors"

	"github.com/platform/function-catalog-api/internal/preview"
)

func (c *previewCmd) clusterInput(ctx context.Context) (preview.Input, error) {
	return preview.Input{}, errors.New("not yet")
}
