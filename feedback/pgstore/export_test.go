package pgstore

// UseCopy turns the COPY of Append on and off, for the benchmarks.
var UseCopy = &useCopy
