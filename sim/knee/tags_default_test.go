//go:build !extlib

package knee

const buildTags = ""
