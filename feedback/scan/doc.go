// Package scan observes rendered projects and turns what it sees into
// feedback signals.
//
// [Project] observes one rendered project: drift against a fresh render of
// the recorded blueprint and parameters, one signal per edited hunk with a
// normalised key so that the same edit in many projects groups; the result
// of every rule of the decisions in force, with the project's exceptions;
// the exceptions themselves, active or expired; and how far behind a
// catalog's newest release the project is. [Upgrade] turns an upgrade's
// result into signals. docs/feedback.md lists the labels of each signal.
package scan
