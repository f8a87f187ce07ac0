"""Compliance with the frequency rules: what each unit owes in a year, what it held, and the traffic light.

Definitions (the page, the API, the reminders and the indicators all read them from here):

- **Which rule.** The rules are `orglife.frequency.<kind>` (rules as data, see `rules.py`); a unit gets
  the most specific version in force (a version made for an ancestor's subtree beats the system one).
  The version in force on the first day of a month governs that month, so a version that starts on
  the 15th takes effect from the next month.
- **Periods.** A rule's periods are calendar months, quarters or the year. The months of one period
  governed by one version form that version's period. When a version with another period length takes
  over inside a period (lectures tightened from yearly to quarterly from April), the cut period is
  owed only if at least half of its months were governed by it: January-March under "once a year" is
  not owed, April-June onwards are owed quarter by quarter.
- **Which units owe.** A unit owes the kinds whose rule names its kind (`org_kinds`). It owes a month
  when it existed on the month's first day and was not dissolved before its last day; it owes a
  period when it owes at least half of the period's months (a branch founded on 10 May owes the
  year's life meeting and the monthly meetings from June, not the second quarter's general meeting).
- **Required** is `times` for every owed period that has started by the day asked (`on`, by default
  today): for a past year every owed period, for the current year the periods up to the open ones.
- **Held** is the number of counted meetings (`Meeting.counted`: held, approved minutes, attendance —
  kept by the services) credited to the periods, at most `times` per period, so that three meetings
  in one month do not make up for a month without any. `counted` is the uncapped number.
  **Quorum met** is the credited number of counted meetings whose stored `quorum_met` is not false.
- **Status of a period:** met (enough counted meetings with quorum); quorum_short (enough counted
  meetings, but not enough with quorum); missed (ended without enough counted meetings); due_soon
  (open, not yet enough, within `orglife.reminder_days` of its due day or past it); due (open, not yet
  enough); upcoming (not started). The due day is the period's last day, or for a monthly rule with a
  fixed `day` (the thematic Party day) that day of the month.
- **Traffic light of a cell:** red when any period was missed; amber when any is quorum_short or due
  soon; green otherwise; none when the unit owes nothing of that kind so far.
- **Roll-up:** a unit's subtree total sums required, held, quorum met and counted over the unit and
  every unit below it that the reader may see, with the worst light.

Cost: one query for the units (the caller's), one for the rule versions of the year, one grouped
count of counted meetings per (unit, kind, month); rules are resolved once per distinct set of
subtree versions that apply, not per unit.

`table` holds the computation and the table of a scope, `plan` a unit's year plan and rules; a unit tightens a
rule for its subtree through the service `orglife.services.frequency`.
"""
