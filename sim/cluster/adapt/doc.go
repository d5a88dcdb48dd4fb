// Package adapt maps the events of vendors' boxes, posted in their own formats, to
// trafficsim's event schema (wire.Event), so a box can be benchmarked as it ships.
//
// In the flow of ARCHITECTURE.md section 2 it sits at the reference regional cluster
// (sim/cluster), between a vendor's box and the cluster's event stream: the cluster decodes a
// payload with a Vendor (JSON, or Hikvision ISAPI EventNotificationAlert in XML or JSON),
// walks the field paths of the vendor's Mapping and hands the resulting events on, keeping the
// original payload as evidence. Input that cannot be mapped is refused with an *Error that
// names the field; the cluster counts every refusal.
package adapt
