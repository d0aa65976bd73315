"""Forms out, answers back in (`copar forms`, `copar collect`).

spec: what each form type asks and its fingerprint; content: one form per student, identity
block and pre-filled values; layout: where forms go under outputs/formulaires/; pdf, word,
sheet: the three writers; read: every kind of returned file back to answers; merge: answers
checked like the workbook and merged into it; collect: the command's driver and its report.
"""
