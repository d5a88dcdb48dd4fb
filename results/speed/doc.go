// Package speed scores a device's speed readings (wire.Event.SpeedKmh) against the speed the
// world model measured for the same violation (wire.Violation.SpeedKmh), per speed bin of the
// draft's range (10-180 km/h): the share of readings within the tolerance with its 95 % Wilson
// interval, judged three ways like every conformity check (pass, fail, insufficient sample,
// no data), and the mean and largest error. It reads matched pairs (results.Match), so it is
// pure and runs offline over any run or suite; it imports only results and wire.
package speed
