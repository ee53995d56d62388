"""The workbook contract: sheet names, table names, columns and defaults.

Every other module takes names from here, so the builder, the readers and
the documentation in docs/workbook.md cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Sheets that staff type into. Python finds their tables by table name, so
# the sheets may be renamed or reordered without breaking anything.
START_SHEET = "Start"
SETTINGS_SHEET = "Settings"
PUPILS_SHEET = "Pupils"
SUPPORT_SHEET = "Support"
LOG_SHEET = "Log"

# Sheets that refresh owns and rewrites whole.
SUMMARY_SHEET = "Summary"
NOT_ON_TRACK_SHEET = "Not on track"
PP_PUPILS_SHEET = "PP pupils"
ISSUES_SHEET = "Data issues"
SPEND_SHEET = "Spend & impact"
STRATEGY_SHEET = "Strategy statement"
OWNED_SHEETS = (SUMMARY_SHEET, NOT_ON_TRACK_SHEET, PP_PUPILS_SHEET, ISSUES_SHEET, SPEND_SHEET, STRATEGY_SHEET)

# A sheet that each import of progress files or a register rewrites whole:
# where every imported value came from. Refresh leaves it alone, so it is
# not in OWNED_SHEETS.
IMPORT_LOG_SHEET = "Import log"

# A very hidden sheet that contains one sample cell per named cell style. Excel
# renumbers styles when it saves, so the file writer looks the numbers up
# here instead of trusting the numbers the builder chose.
STYLES_SHEET = "_styles"

# Class sheets hold one table each, named with this prefix.
CLASS_TABLE_PREFIX = "Class_"


@dataclass(frozen=True)
class Column:
    """A column of an input table: its header, its width and its dropdown."""

    header: str
    width: float = 12
    choices: str | None = None  # defined name of the dropdown list
    required: bool = False


SETTINGS_TABLE = "Settings"
SETTINGS_COLUMNS = (Column("Setting", 34), Column("Value", 22))

# The key-value settings, in the order they appear on the Settings sheet.
SETTING_SCHOOL = "School name"
SETTING_YEAR = "Academic year"
SETTING_POINT = "Current assessment point"
SETTING_ATTENDANCE = "Attendance concern threshold (%)"
SETTING_SMALL_GROUP = "Small group size"
SETTING_SERVICE_AS_PP = "Count service premium pupils as PP (Y/N)"
SETTING_FINANCIAL_YEAR = "PP financial year (e.g. 2025-26)"
SETTING_PP_RECEIVED = "PP received this financial year (£)"
SETTING_CARRIED_FORWARD = "PP carried forward (£)"
SETTING_OTHER_FUNDING = "Other funding for the PP strategy (£)"
SETTING_PROGRESS_FOLDER = "Progress files folder"
SETTING_REGISTER_FILE = "MIS register file"
DEFAULT_SETTINGS = (
    (SETTING_SCHOOL, "Our Primary School"),
    (SETTING_YEAR, "2026/27"),
    (SETTING_POINT, "Autumn"),
    (SETTING_ATTENDANCE, 90),
    (SETTING_SMALL_GROUP, 5),
    (SETTING_SERVICE_AS_PP, "N"),
    # Pupil Premium money. A blank financial year means the one the academic
    # year starts in; blank amounts are unknown (received) or £0.
    (SETTING_FINANCIAL_YEAR, None),
    (SETTING_PP_RECEIVED, None),
    (SETTING_CARRIED_FORWARD, None),
    (SETTING_OTHER_FUNDING, None),
    # Where the import buttons look; blank means they ask in a dialog.
    (SETTING_PROGRESS_FOLDER, None),
    (SETTING_REGISTER_FILE, None),
)

POINTS_TABLE = "Points"
POINTS_COLUMNS = (Column("Assessment point", 22),)
DEFAULT_POINTS = ("Autumn", "Spring", "Summer")

SUBJECTS_TABLE = "Subjects"
SUBJECTS_COLUMNS = (Column("Subject", 16), Column("In combined (Y/N)", 18, "YesNo"))
DEFAULT_SUBJECTS = (("Reading", "Y"), ("Writing", "Y"), ("Maths", "Y"))

GRADES_TABLE = "Grades"
GRADES_COLUMNS = (
    Column("Code", 8),
    Column("Meaning", 26),
    Column("Rank", 8),
    Column("On track (Y/N)", 15, "YesNo"),
    Column("Aliases", 48),
)
DEFAULT_GRADES = (
    ("BLW", "Working below the standard", 1, "N", "Below, PKS, Pre-key stage, B"),
    ("WTS", "Working towards the expected standard", 2, "N", "WT, Working towards, Towards"),
    ("EXS", "Working at the expected standard", 3, "Y", "EXP, EX, ARE, Expected, At"),
    ("GDS", "Working at greater depth", 4, "Y", "GD, Greater depth, GDW, Above"),
)

# Pupil Premium rates per pupil. The expected allocation is pupils on roll
# per PP category times the rate for the budget's financial year.
FUNDING_TABLE = "Funding"
FUNDING_COLUMNS = (
    Column("Category", 14, "PPCategories"),
    Column("Rate per pupil (£)", 12),
    Column("Financial year", 12),
    Column("Source", 70),
)
_DFE_RATES_2025 = ("DfE, Pupil premium: allocations and conditions of grant 2025 to 2026, technical note "
                   "(gov.uk/government/publications/pupil-premium-allocations-and-conditions-of-grant-2025-to-2026)")
DEFAULT_FUNDING = (
    ("FSM/Ever 6", 1515, "2025-26", _DFE_RATES_2025 + ". Primary rate."),
    ("LAC", 2630, "2025-26", _DFE_RATES_2025 + ". Paid to the local authority; the virtual school head "
                             "decides how much reaches the school."),
    ("PLAC", 2630, "2025-26", _DFE_RATES_2025 + "."),
    ("Service", 350, "2025-26", _DFE_RATES_2025 + ". Service pupil premium."),
)

# Education Endowment Foundation Teaching and Learning Toolkit strands. A
# provision whose name contains a strand's name shows that strand's average
# months of progress. The EEF revises figures, so each row keeps the date it
# was checked and where.
STRANDS_TABLE = "Strands"
STRANDS_COLUMNS = (
    Column("Strand", 30),
    Column("Months of progress", 10),
    Column("Date", 11),
    Column("Source", 70),
)
_EEF_TOOLKIT = "https://educationendowmentfoundation.org.uk/education-evidence/teaching-learning-toolkit/"
_EEF_CHECKED = date(2026, 12, 4)
DEFAULT_STRANDS = (
    ("Feedback", 6, _EEF_CHECKED, _EEF_TOOLKIT + "feedback"),
    ("Metacognition and self-regulation", 8, _EEF_CHECKED,
     "EEF news, 'Updated EEF guide to metacognition and self-regulation', quoting the Toolkit average: "
     "https://educationendowmentfoundation.org.uk/news/updated-eef-guide-to-metacognition-and-self-regulation"),
    ("Reading comprehension strategies", 6, _EEF_CHECKED, _EEF_TOOLKIT + "reading-comprehension-strategies"),
    ("Oral language interventions", 6, _EEF_CHECKED, _EEF_TOOLKIT + "oral-language-interventions"),
    ("Phonics", 5, _EEF_CHECKED, _EEF_TOOLKIT + "phonics"),
    ("One to one tuition", 5, _EEF_CHECKED, "https://educationendowmentfoundation.org.uk/toolkit/one-to-one-tuition"),
    ("Small group tuition", 4, _EEF_CHECKED, "https://educationendowmentfoundation.org.uk/toolkit/small-group-tuition"),
    ("Teaching assistant interventions", 3, _EEF_CHECKED,
     "EEF Toolkit strand text ('around three additional months'), as published at "
     "https://eef.dev/education-evidence/teaching-learning-toolkit/teaching-assistant-interventions"),
    ("Social and emotional learning", 4, _EEF_CHECKED, _EEF_TOOLKIT + "social-and-emotional-learning"),
    ("Parental engagement", 4, _EEF_CHECKED, _EEF_TOOLKIT + "parental-engagement"),
)

PUPILS_TABLE = "Pupils"
PUPILS_COLUMNS = (
    Column("UPN", 16, required=True),
    Column("Surname", 16, required=True),
    Column("Forename", 16, required=True),
    Column("Year", 7, "Years", required=True),
    Column("Class", 10, required=True),
    Column("PP", 6, "YesNo", required=True),
    Column("PP category", 14, "PPCategories"),
    Column("SEN", 6, "SENCodes"),
    Column("SEN details", 28),
    Column("EAL", 6, "YesNo"),
    Column("Attendance %", 13),
    Column("Left", 12),
    Column("Narrative", 40),
)

SUPPORT_TABLE = "Support"
SUPPORT_COLUMNS = (
    Column("Pupil", 22, required=True),
    Column("Provision", 28, required=True),
    Column("Subject or area", 16),
    Column("Tier", 26, "Tiers"),
    Column("Start", 12),
    Column("End", 12),
    Column("Cost (£)", 11),
    Column("PP funded", 10, "YesNo"),
    Column("Entry grade", 11, "GradeCodes"),
    Column("Exit grade", 11, "GradeCodes"),
    Column("Notes", 36),
)

LOG_TABLE = "Log"
LOG_COLUMNS = (
    Column("Date", 12, required=True),
    Column("Pupil", 22, required=True),
    Column("Kind", 16, "LogKinds", required=True),
    Column("Method", 16),
    Column("Summary", 48),
    Column("Follow-up", 30),
)

# Fixed columns at the left of every class sheet, then one column per
# assessment point and subject ("Spring Maths") and "<point> Wellbeing".
CLASS_FIXED_COLUMNS = (
    Column("UPN", 16),
    Column("Pupil", 24),
    Column("PP", 6),
    Column("SEN", 6),
    Column("Status", 9),
)
WELLBEING = "Wellbeing"
WELLBEING_VALUES = ("Green", "Amber", "Red")
ON_ROLL = "On roll"
LEFT = "Left"

# Lists behind the dropdowns. Each becomes a defined name over a range on
# the hidden Lists sheet, because Excel keeps a dropdown that points at
# another sheet in an extension list that openpyxl cannot round-trip.
LISTS_SHEET = "Lists"
YES_NO = ("Y", "N")
YEARS = ("R", "1", "2", "3", "4", "5", "6")
PP_CATEGORIES = ("FSM/Ever 6", "LAC", "PLAC", "Service")
DISADVANTAGED_CATEGORIES = ("FSM/Ever 6", "LAC", "PLAC")
SERVICE_CATEGORY = "Service"
SEN_CODES = ("N", "K", "E")
TIERS = ("Teaching", "Targeted academic support", "Wider strategies")
LOG_KINDS = ("Wellbeing", "Parent contact", "Pupil voice")
FIXED_LISTS = {
    "YesNo": YES_NO,
    "Years": YEARS,
    "PPCategories": PP_CATEGORIES,
    "SENCodes": SEN_CODES,
    "Tiers": TIERS,
    "LogKinds": LOG_KINDS,
    "WellbeingValues": WELLBEING_VALUES,
}
# Grade codes for dropdowns. The builder sizes the range for this many codes
# so that a school can add grades to the scale without rebuilding.
GRADE_LIST_NAME = "GradeCodes"
GRADE_LIST_ROWS = 20

# Key stages by year group, in the order the Summary shows them.
KEY_STAGES = (("EYFS", ("R",)), ("KS1", ("1", "2")), ("KS2", ("3", "4", "5", "6")))
WHOLE_SCHOOL = "Whole school"
COMBINED = "Combined"
