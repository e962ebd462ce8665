// Package propose turns desire paths into a blueprint's next version.
//
// A desire path (package feedback/report) is the same downstream edit of a
// blueprint file in several projects. [Propose] reads a store's signals,
// and for each desire path of one blueprint (or those selected) maps the
// edit back onto the template: the project's parameter values in the
// edited lines become the template's own expressions ({{.name}}), and the
// place of the edit is found by rendering the template with each affected
// project's recorded parameters. The result is a [Proposal]: the patched
// template files, the version bumped (minor when lines are only added,
// patch when lines change; Options.Bump or Options.Version override), the
// release date, and a CHANGES.md entry per applied desire path with its
// evidence — the projects, how many, the signal IDs.
//
// Every change is verified before it is proposed: the new template,
// rendered with the recorded parameters of every project that made the
// edit, reproduces that project's edited lines exactly, and rendered with
// the parameters of every other project on the same version, differs from
// the old render only by the proposed lines. A desire path that cannot be
// mapped or verified is reported with the reason ([Refused]), never half
// applied; one whose edit fails a decision's rule that passes on the clean
// render is reported as [NeedsDecision], with the rule. [Proposal.Write]
// writes the new version into a directory of its own, atomically.
//
// docs/feedback.md ("Proposals") describes the method and its limits.
package propose
