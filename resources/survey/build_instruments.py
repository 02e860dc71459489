"""Write the three shipped XLSForm instruments from the rows defined below.

    .venv/bin/python resources/survey/build_instruments.py

writes perception.xlsx, strategy_consultation.xlsx and survivor_consultation.xlsx next to
this script. The forms live here as text so that a change to a question is a readable diff;
the workbooks are what survey staff open, and what ODK tools (pyxform) convert. The output
is reproducible byte for byte: fixed workbook dates and fixed zip entry times.

Every label, hint and constraint message is given in English and Welsh, as a pair
(English, Welsh). A row is a dict of XLSForm columns; `q()` spells out the translated ones.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
VERSION = "2026.1"
LANGUAGES = ("English (en)", "Welsh (cy)")
DEFAULT_LANGUAGE = "English (en)"
TRANSLATED = ("label", "hint", "constraint_message")

# Fixed dates make the workbooks reproducible (openpyxl would stamp "now").
FIXED_TIME = datetime.datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

# Column order on the survey and choices sheets; a workbook holds only the columns it uses.
SURVEY_COLUMNS = [
    "type",
    "name",
    "label::English (en)",
    "label::Welsh (cy)",
    "hint::English (en)",
    "hint::Welsh (cy)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "constraint_message::Welsh (cy)",
    "calculation",
    "choice_filter",
    "appearance",
    "repeat_count",
]
CHOICE_COLUMNS = ["list_name", "name", "label::English (en)", "label::Welsh (cy)", "area"]

Pair = tuple[str, str]


def q(type_: str, name: str, label: Pair | None = None, **columns: str | Pair) -> dict:
    """One survey row. Translated columns (label, hint, constraint_message) take a pair."""
    row: dict[str, str] = {"type": type_, "name": name}
    if label is not None:
        columns["label"] = label
    for column, value in columns.items():
        if column in TRANSLATED:
            assert isinstance(value, tuple), f"{name}: {column} needs (English, Welsh)"
            for language, text in zip(LANGUAGES, value, strict=True):
                row[f"{column}::{language}"] = text
        else:
            assert isinstance(value, str), f"{name}: {column} is not translated"
            row[column] = value
    return row


def end(type_: str) -> dict:
    """Closes a group or a repeat ("end group", "end repeat")."""
    return {"type": type_}


def choice_list(list_name: str, items: list[tuple]) -> list[dict]:
    """Choice rows from (name, English, Welsh) or (name, English, Welsh, area) tuples."""
    rows = []
    for item in items:
        row = {"list_name": list_name, "name": item[0]}
        row["label::English (en)"], row["label::Welsh (cy)"] = item[1], item[2]
        if len(item) > 3:
            row["area"] = item[3]
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------
# Answer scales shared by the forms
# --------------------------------------------------------------------------------------

DONT_KNOW = ("dont_know", "Don't know", "Ddim yn gwybod")
PREFER_NOT = ("prefer_not_to_say", "Prefer not to say", "Gwell gennyf beidio â dweud")

AGREE5 = choice_list("agree5", [
    ("strongly_agree", "Strongly agree", "Cytuno'n gryf"),
    ("agree", "Agree", "Cytuno"),
    ("neither", "Neither agree nor disagree", "Ddim yn cytuno nac yn anghytuno"),
    ("disagree", "Disagree", "Anghytuno"),
    ("strongly_disagree", "Strongly disagree", "Anghytuno'n gryf"),
    DONT_KNOW,
])

RATING5 = choice_list("rating5", [
    ("excellent", "Excellent", "Ardderchog"),
    ("good", "Good", "Da"),
    ("fair", "Fair", "Gweddol"),
    ("poor", "Poor", "Gwael"),
    ("very_poor", "Very poor", "Gwael iawn"),
    DONT_KNOW,
])

FREQUENCY = choice_list("frequency", [
    ("daily", "Every day", "Bob dydd"),
    ("weekly", "At least once a week", "O leiaf unwaith yr wythnos"),
    ("monthly", "At least once a month", "O leiaf unwaith y mis"),
    ("less_often", "Less often than once a month", "Yn llai aml nag unwaith y mis"),
    ("never", "Never", "Byth"),
    DONT_KNOW,
])

CHANGE12 = choice_list("change12", [
    ("increased_lot", "Increased a lot", "Wedi cynyddu llawer"),
    ("increased_little", "Increased a little", "Wedi cynyddu ychydig"),
    ("same", "Stayed the same", "Wedi aros yr un fath"),
    ("decreased_little", "Decreased a little", "Wedi lleihau ychydig"),
    ("decreased_lot", "Decreased a lot", "Wedi lleihau llawer"),
    DONT_KNOW,
])

SATISFACTION5 = choice_list("satisfaction5", [
    ("very_satisfied", "Very satisfied", "Bodlon iawn"),
    ("fairly_satisfied", "Fairly satisfied", "Gweddol fodlon"),
    ("neither", "Neither satisfied nor dissatisfied", "Ddim yn fodlon nac yn anfodlon"),
    ("fairly_dissatisfied", "Fairly dissatisfied", "Gweddol anfodlon"),
    ("very_dissatisfied", "Very dissatisfied", "Anfodlon iawn"),
    DONT_KNOW,
])

YES_NO = choice_list("yes_no", [
    ("yes", "Yes", "Ie"),
    ("no", "No", "Na"),
])

# The five local policing areas (LPAs) of the example force.
AREAS = [
    ("herefordshire", "Herefordshire", "Swydd Henffordd"),
    ("shropshire", "Shropshire", "Swydd Amwythig"),
    ("telford_and_wrekin", "Telford and Wrekin", "Telford a Wrekin"),
    ("north_worcestershire", "North Worcestershire", "Gogledd Swydd Gaerwrangon"),
    ("south_worcestershire", "South Worcestershire", "De Swydd Gaerwrangon"),
]

# A reminder for each agreement statement.
READ_STATEMENT = (
    "Read out the statement, then: how far do you agree or disagree?",
    "Darllenwch y datganiad, yna: i ba raddau ydych chi'n cytuno neu'n anghytuno?",
)


# --------------------------------------------------------------------------------------
# 1. Public confidence and perceptions survey
# --------------------------------------------------------------------------------------

def neighbourhoods() -> list[tuple]:
    """Synthetic neighbourhoods, three per area ("<Area> Ward A" …), plus "not sure"."""
    items = []
    for area, english, welsh in AREAS:
        for letter in "ABC":
            items.append((f"{area}_{letter.lower()}", f"{english} Ward {letter}",
                          f"{welsh} Ward {letter}", area))
    items.append(("not_sure", "Not sure", "Ddim yn siŵr", "any"))
    return items


PERCEPTION_SURVEY = [
    q("select_one mode", "interview_mode",
      ("How is this interview being carried out?",
       "Sut mae'r cyfweliad hwn yn cael ei gynnal?"),
      required="yes"),
    q("note", "intro_telephone",
      ("Introduce yourself: you are calling on behalf of the Police and Crime Commissioner "
       "to ask people about policing in their area.",
       "Cyflwynwch eich hun: rydych chi'n ffonio ar ran y Comisiynydd Heddlu a Throseddu "
       "i ofyn i bobl am blismona yn eu hardal."),
      relevant="${interview_mode} = 'telephone'"),
    q("note", "intro_street",
      ("Introduce yourself and show your badge: you are interviewing on behalf of the "
       "Police and Crime Commissioner about policing in this area.",
       "Cyflwynwch eich hun a dangoswch eich bathodyn: rydych chi'n cyfweld ar ran y "
       "Comisiynydd Heddlu a Throseddu am blismona yn yr ardal hon."),
      relevant="${interview_mode} = 'street'"),
    q("select_one yes_no", "consent",
      ("The survey takes about 10 minutes. Your answers are confidential and you can stop "
       "at any time. Are you happy to take part?",
       "Mae'r arolwg yn cymryd tua 10 munud. Mae eich atebion yn gyfrinachol a gallwch "
       "stopio ar unrhyw adeg. Ydych chi'n fodlon cymryd rhan?"),
      required="yes"),
    q("note", "consent_declined",
      ("The respondent does not want to take part. Thank them for their time and end the "
       "interview.",
       "Nid yw'r ymatebydd eisiau cymryd rhan. Diolchwch iddynt am eu hamser a dewch â'r "
       "cyfweliad i ben."),
      relevant="${consent} = 'no'"),

    q("begin group", "interview", ("Interview", "Cyfweliad"),
      relevant="${consent} = 'yes'"),

    q("begin group", "where_you_live", ("Where you live", "Ble rydych chi'n byw")),
    q("select_one lpa", "area",
      ("Which local policing area do you live in?",
       "Ym mha ardal blismona leol ydych chi'n byw?"),
      required="yes"),
    q("select_one neighbourhood", "neighbourhood",
      ("Which neighbourhood do you live in?", "Ym mha gymdogaeth ydych chi'n byw?"),
      choice_filter="area=${area} or area='any'"),
    end("end group"),

    q("begin group", "confidence", ("Confidence in the police", "Hyder yn yr heddlu")),
    q("select_one agree5", "confidence_in_police",
      ("Taking everything into account, I have confidence in the police in my area.",
       "A chymryd popeth i ystyriaeth, mae gen i hyder yn yr heddlu yn fy ardal i."),
      hint=READ_STATEMENT, required="yes"),
    q("select_one agree5", "confident_good_service",
      ("If I needed to contact the police, I am confident I would receive a good service.",
       "Pe bai angen i mi gysylltu â'r heddlu, rwy'n hyderus y byddwn yn cael gwasanaeth "
       "da."),
      required="yes"),
    q("select_one rating5", "police_job_rating",
      ("Overall, how good a job do you think the police in your area are doing?",
       "Yn gyffredinol, pa mor dda yw'r gwaith y mae'r heddlu yn eich ardal yn ei wneud, "
       "yn eich barn chi?"),
      required="yes"),
    end("end group"),

    q("begin group", "visibility", ("Seeing the police", "Gweld yr heddlu")),
    q("select_one frequency", "officer_seen_frequency",
      ("How often do you see a police officer or police community support officer (PCSO) "
       "on foot or on patrol in your area?",
       "Pa mor aml ydych chi'n gweld swyddog heddlu neu swyddog cymorth cymunedol yr "
       "heddlu (SCCH) ar droed neu ar batrôl yn eich ardal?"),
      required="yes"),
    q("select_multiple seen_where", "officer_seen_where",
      ("Where have you seen them?", "Ble rydych chi wedi eu gweld?"),
      hint=("Choose all that apply.", "Dewiswch bob un sy'n berthnasol."),
      relevant="${officer_seen_frequency} != 'never' "
               "and ${officer_seen_frequency} != 'dont_know'"),
    q("select_one satisfaction5", "satisfied_policing_level",
      ("How satisfied are you with the level of policing in your area?",
       "Pa mor fodlon ydych chi â lefel y plismona yn eich ardal?"),
      required="yes"),
    end("end group"),

    q("begin group", "contact", ("Contacting the police", "Cysylltu â'r heddlu")),
    q("select_one agree5", "confident_contact_emergency",
      ("I am confident I could contact the police in an emergency.",
       "Rwy'n hyderus y gallwn gysylltu â'r heddlu mewn argyfwng."),
      hint=READ_STATEMENT, required="yes"),
    q("select_one agree5", "confident_contact_non_emergency",
      ("I am confident I could contact the police about something that is not an "
       "emergency.",
       "Rwy'n hyderus y gallwn gysylltu â'r heddlu am rywbeth nad yw'n argyfwng."),
      required="yes"),
    end("end group"),

    q("begin group", "community",
      ("Crime and antisocial behaviour in your area",
       "Troseddu ac ymddygiad gwrthgymdeithasol yn eich ardal")),
    q("select_one agree5", "police_understand_issues",
      ("The police understand the issues that affect my community.",
       "Mae'r heddlu'n deall y materion sy'n effeithio ar fy nghymuned i."),
      hint=READ_STATEMENT, required="yes"),
    q("select_one agree5", "crime_asb_problem",
      ("Crime and antisocial behaviour are a problem in my area.",
       "Mae troseddu ac ymddygiad gwrthgymdeithasol yn broblem yn fy ardal i."),
      required="yes"),
    q("select_one change12", "crime_asb_change",
      ("Compared with 12 months ago, do you think crime and antisocial behaviour in your "
       "area has increased, decreased or stayed the same?",
       "O'i gymharu â 12 mis yn ôl, ydych chi'n meddwl bod troseddu ac ymddygiad "
       "gwrthgymdeithasol yn eich ardal wedi cynyddu, wedi lleihau neu wedi aros yr un "
       "fath?"),
      required="yes"),
    q("text", "crime_asb_increase_detail",
      ("What kind of crime or antisocial behaviour do you think has increased?",
       "Pa fath o droseddu neu ymddygiad gwrthgymdeithasol ydych chi'n meddwl sydd wedi "
       "cynyddu?"),
      relevant="${crime_asb_change} = 'increased_lot' "
               "or ${crime_asb_change} = 'increased_little'",
      appearance="multiline"),
    q("select_one agree5", "police_dealing_crime_asb",
      ("The police are dealing with the crime and antisocial behaviour that matter in my "
       "area.",
       "Mae'r heddlu'n mynd i'r afael â'r troseddu a'r ymddygiad gwrthgymdeithasol sy'n "
       "bwysig yn fy ardal i."),
      required="yes"),
    end("end group"),

    q("begin group", "trust", ("Trust and fairness", "Ymddiriedaeth a thegwch")),
    q("select_one agree5", "trust_police",
      ("I trust the police.", "Rwy'n ymddiried yn yr heddlu."),
      hint=READ_STATEMENT, required="yes"),
    q("select_one agree5", "treat_everyone_fairly",
      ("The police treat everyone fairly, whoever they are.",
       "Mae'r heddlu'n trin pawb yn deg, pwy bynnag ydyn nhw."),
      required="yes"),
    q("select_one agree5", "act_with_integrity",
      ("The police act with integrity.", "Mae'r heddlu'n gweithredu ag uniondeb."),
      required="yes"),
    end("end group"),

    q("begin group", "about_you", ("About you", "Amdanoch chi")),
    q("note", "about_you_intro",
      ("These last questions help us check that we hear from every part of the community. "
       "The respondent may choose not to answer any of them.",
       "Mae'r cwestiynau olaf hyn yn ein helpu i wirio ein bod yn clywed gan bob rhan o'r "
       "gymuned. Gall yr ymatebydd ddewis peidio ag ateb unrhyw un ohonynt.")),
    q("integer", "age",
      ("How old are you?", "Faint yw eich oed chi?"),
      hint=("Age in years. Leave blank if the respondent prefers not to say.",
            "Oed mewn blynyddoedd. Gadewch yn wag os yw'n well gan yr ymatebydd beidio â "
            "dweud."),
      constraint=". >= 16 and . <= 110",
      constraint_message=("The age must be between 16 and 110.",
                          "Rhaid i'r oed fod rhwng 16 a 110.")),
    q("calculate", "age_band_from_age",
      calculation="if(string-length(${age}) = 0, '', "
                  "if(${age} <= 24, 'age_16_24', "
                  "if(${age} <= 34, 'age_25_34', "
                  "if(${age} <= 44, 'age_35_44', "
                  "if(${age} <= 54, 'age_45_54', "
                  "if(${age} <= 64, 'age_55_64', "
                  "if(${age} <= 74, 'age_65_74', 'age_75_plus')))))))"),
    q("select_one age_band", "age_band_asked",
      ("Which of these age bands are you in?",
       "Ym mha un o'r bandiau oedran hyn ydych chi?"),
      relevant="string-length(${age}) = 0", required="yes"),
    q("calculate", "age_band",
      calculation="if(string-length(${age}) = 0, ${age_band_asked}, ${age_band_from_age})"),
    q("select_one gender", "gender",
      ("What is your gender?", "Beth yw eich rhywedd?"), required="yes"),
    q("select_one ethnicity", "ethnicity",
      ("What is your ethnic group?", "Beth yw eich grŵp ethnig?"), required="yes"),
    q("select_one yes_no_pnts", "disability",
      ("Do you have any physical or mental health conditions or illnesses lasting or "
       "expected to last 12 months or more?",
       "Oes gennych chi unrhyw gyflyrau iechyd corfforol neu feddyliol neu salwch sydd "
       "wedi para neu y disgwylir iddynt bara 12 mis neu fwy?"),
      required="yes"),
    end("end group"),

    q("note", "end_note",
      ("Thank you for taking part. Your answers help the Police and Crime Commissioner "
       "hold the police to account.",
       "Diolch am gymryd rhan. Mae eich atebion yn helpu'r Comisiynydd Heddlu a Throseddu "
       "i ddwyn yr heddlu i gyfrif.")),
    end("end group"),
]

PERCEPTION_CHOICES = [
    *choice_list("mode", [
        ("telephone", "Telephone", "Ffôn"),
        ("street", "Street interview", "Cyfweliad ar y stryd"),
    ]),
    *YES_NO,
    *choice_list("lpa", AREAS),
    *choice_list("neighbourhood", neighbourhoods()),
    *AGREE5,
    *RATING5,
    *FREQUENCY,
    *choice_list("seen_where", [
        ("on_foot", "On foot patrol", "Ar batrôl ar droed"),
        ("vehicle", "In a police vehicle", "Mewn cerbyd heddlu"),
        ("community_event", "At a community event or meeting",
         "Mewn digwyddiad neu gyfarfod cymunedol"),
        ("other", "Somewhere else", "Rhywle arall"),
    ]),
    *SATISFACTION5,
    *CHANGE12,
    *choice_list("age_band", [
        ("age_16_24", "16 to 24", "16 i 24"),
        ("age_25_34", "25 to 34", "25 i 34"),
        ("age_35_44", "35 to 44", "35 i 44"),
        ("age_45_54", "45 to 54", "45 i 54"),
        ("age_55_64", "55 to 64", "55 i 64"),
        ("age_65_74", "65 to 74", "65 i 74"),
        ("age_75_plus", "75 or over", "75 neu hŷn"),
        PREFER_NOT,
    ]),
    *choice_list("gender", [
        ("woman", "Woman", "Menyw"),
        ("man", "Man", "Dyn"),
        ("another_way", "In another way", "Mewn ffordd arall"),
        PREFER_NOT,
    ]),
    *choice_list("ethnicity", [
        ("white", "White", "Gwyn"),
        ("mixed", "Mixed or multiple ethnic groups", "Grwpiau ethnig cymysg neu luosog"),
        ("asian", "Asian or Asian British", "Asiaidd neu Asiaidd Prydeinig"),
        ("black", "Black, Black British, Caribbean or African",
         "Du, Du Prydeinig, Caribïaidd neu Affricanaidd"),
        ("other", "Another ethnic group", "Grŵp ethnig arall"),
        PREFER_NOT,
    ]),
    *choice_list("yes_no_pnts", [
        ("yes", "Yes", "Ie"),
        ("no", "No", "Na"),
        PREFER_NOT,
    ]),
]


# --------------------------------------------------------------------------------------
# 2. Consultation on a draft strategy
# --------------------------------------------------------------------------------------

ORGANISATION_TYPES = ("local_authority", "community_voluntary", "business", "other_public_body")
DISAGREES = " or ".join(
    f"${{{question}}} = '{answer}'"
    for question in ("agree_vision", "agree_aspirations")
    for answer in ("disagree", "strongly_disagree")
)

STRATEGY_SURVEY = [
    q("begin group", "response_details",
      ("Response details (office use)", "Manylion yr ymateb (at ddefnydd y swyddfa)")),
    q("select_one channel", "response_channel",
      ("How did this response reach us?", "Sut y cyrhaeddodd yr ymateb hwn?"),
      required="yes"),
    q("date", "date_received",
      ("Date received", "Dyddiad ei dderbyn"),
      constraint=". <= today()",
      constraint_message=("The date cannot be in the future.",
                          "Ni all y dyddiad fod yn y dyfodol.")),
    end("end group"),

    q("note", "intro",
      ("Thank you for responding to the Police and Crime Commissioner's consultation on the "
       "draft strategy. It takes about 5 minutes.",
       "Diolch am ymateb i ymgynghoriad y Comisiynydd Heddlu a Throseddu ar y strategaeth "
       "ddrafft. Mae'n cymryd tua 5 munud.")),

    q("begin group", "about_you", ("About you", "Amdanoch chi")),
    q("select_one respondent_type", "respondent_type",
      ("Are you responding as…", "Ydych chi'n ymateb fel…"),
      required="yes"),
    q("text", "respondent_type_other",
      ("Please tell us in what capacity you are responding.",
       "Dywedwch wrthym ym mha rinwedd rydych chi'n ymateb."),
      relevant="${respondent_type} = 'other'", required="yes"),
    q("text", "organisation_name",
      ("What is the name of your organisation?", "Beth yw enw eich sefydliad?"),
      relevant=" or ".join(f"${{respondent_type}} = '{t}'" for t in ORGANISATION_TYPES)),
    q("select_one area_or_other", "where_live",
      ("Where do you live (or, for an organisation, where is it based)?",
       "Ble rydych chi'n byw (neu, ar gyfer sefydliad, ble mae wedi'i leoli)?"),
      required="yes"),
    q("text", "where_live_other",
      ("Where do you live?", "Ble rydych chi'n byw?"),
      hint=("A town or county is enough.", "Mae tref neu sir yn ddigon."),
      relevant="${where_live} = 'other'"),
    end("end group"),

    q("begin group", "views",
      ("Your views on the draft strategy", "Eich barn am y strategaeth ddrafft")),
    q("note", "views_intro",
      ("The draft strategy sets out a vision and a set of aspirations. Please read them "
       "before answering.",
       "Mae'r strategaeth ddrafft yn nodi gweledigaeth a chyfres o ddyheadau. Darllenwch "
       "nhw cyn ateb.")),
    q("select_one agree5", "agree_vision",
      ("How far do you agree or disagree with the vision in the draft strategy?",
       "I ba raddau ydych chi'n cytuno neu'n anghytuno â'r weledigaeth yn y strategaeth "
       "ddrafft?"),
      required="yes"),
    q("select_one agree5", "agree_aspirations",
      ("How far do you agree or disagree with the aspirations in the draft strategy?",
       "I ba raddau ydych chi'n cytuno neu'n anghytuno â'r dyheadau yn y strategaeth "
       "ddrafft?"),
      required="yes"),
    q("text", "disagree_reason",
      ("Please tell us why you disagree.", "Dywedwch wrthym pam rydych chi'n anghytuno."),
      relevant=DISAGREES, appearance="multiline"),
    q("text", "concerns",
      ("What concerns, if any, should the strategy address?",
       "Pa bryderon, os oes rhai, y dylai'r strategaeth fynd i'r afael â nhw?"),
      hint=("For example, issues in your area that matter to you.",
            "Er enghraifft, materion yn eich ardal sy'n bwysig i chi."),
      appearance="multiline"),
    q("text", "other_comments",
      ("Is there anything else you would like to tell us about the draft strategy?",
       "Oes unrhyw beth arall yr hoffech ei ddweud wrthym am y strategaeth ddrafft?"),
      appearance="multiline"),
    end("end group"),

    q("begin group", "hearing", ("About this consultation", "Am yr ymgynghoriad hwn")),
    q("select_multiple heard_about", "heard_about",
      ("How did you hear about this consultation?", "Sut y clywsoch chi am yr ymgynghoriad hwn?"),
      hint=("Choose up to three.", "Dewiswch hyd at dri."),
      constraint="count-selected(.) <= 3",
      constraint_message=("Please choose no more than three.", "Dewiswch ddim mwy na thri.")),
    q("text", "heard_about_other",
      ("Where did you hear about it?", "Ble y clywsoch chi amdano?"),
      relevant="selected(${heard_about}, 'other')"),
    end("end group"),

    q("note", "end_note",
      ("Thank you for taking part in the consultation.",
       "Diolch am gymryd rhan yn yr ymgynghoriad.")),
]

STRATEGY_CHOICES = [
    *choice_list("channel", [
        ("online", "Online survey", "Arolwg ar-lein"),
        ("email", "Email", "E-bost"),
        ("paper", "Paper", "Papur"),
    ]),
    *choice_list("respondent_type", [
        ("public", "A member of the public", "Aelod o'r cyhoedd"),
        ("local_authority",
         "On behalf of a local authority (including town and parish councils)",
         "Ar ran awdurdod lleol (gan gynnwys cynghorau tref a phlwyf)"),
        ("community_voluntary", "On behalf of a community or voluntary organisation",
         "Ar ran sefydliad cymunedol neu wirfoddol"),
        ("business", "On behalf of a business", "Ar ran busnes"),
        ("other_public_body", "On behalf of another public body",
         "Ar ran corff cyhoeddus arall"),
        ("other", "Other", "Arall"),
    ]),
    *choice_list("area_or_other", [*AREAS, ("other", "Somewhere else", "Rhywle arall")]),
    *AGREE5,
    *choice_list("heard_about", [
        ("social_media", "Social media", "Cyfryngau cymdeithasol"),
        ("pcc_website", "The Police and Crime Commissioner's website",
         "Gwefan y Comisiynydd Heddlu a Throseddu"),
        ("local_news", "Local newspaper, radio or TV", "Papur newydd, radio neu deledu lleol"),
        ("council", "A local, town or parish council", "Cyngor lleol, tref neu blwyf"),
        ("community_group", "A community or voluntary group", "Grŵp cymunedol neu wirfoddol"),
        ("email_newsletter", "An email or newsletter", "E-bost neu gylchlythyr"),
        ("word_of_mouth", "Word of mouth", "Ar lafar"),
        ("other", "Somewhere else", "Rhywle arall"),
    ]),
]


# --------------------------------------------------------------------------------------
# 3. Victim and survivor consultation (telephone)
# --------------------------------------------------------------------------------------

SURVIVOR_SURVEY = [
    q("select_one safe", "safe_to_talk",
      ("Is it safe to talk now?", "Ydy hi'n ddiogel siarad nawr?"),
      hint=("Ask this before anything else. Do not say who you are calling for, or why, "
            "until the answer is yes.",
            "Gofynnwch hyn cyn unrhyw beth arall. Peidiwch â dweud ar ran pwy rydych chi'n "
            "ffonio, na pham, nes bod yr ateb yn \"ydy\"."),
      required="yes"),
    q("note", "not_safe_note",
      ("Do not continue. Say something neutral (for example, \"Sorry, I think I have the "
       "wrong number\"), end the call at once and close the form. Do not call back unless "
       "a safe time has been agreed.",
       "Peidiwch â pharhau. Dywedwch rywbeth niwtral (er enghraifft, \"Mae'n ddrwg gen i, "
       "rwy'n credu bod gen i'r rhif anghywir\"), dewch â'r alwad i ben ar unwaith a "
       "chaewch y ffurflen. Peidiwch â ffonio'n ôl oni bai bod amser diogel wedi'i "
       "gytuno."),
      relevant="${safe_to_talk} = 'no'"),
    q("note", "callback_note",
      ("Ask only: \"When would be a safe time to call back?\" Record the appointment in the "
       "call log, end the call and close the form. Never leave a message.",
       "Gofynnwch yn unig: \"Pryd fyddai'n amser diogel i ffonio'n ôl?\" Cofnodwch yr "
       "apwyntiad yn y log galwadau, dewch â'r alwad i ben a chaewch y ffurflen. Peidiwch "
       "byth â gadael neges."),
      relevant="${safe_to_talk} = 'callback'"),

    q("begin group", "interview", ("Interview", "Cyfweliad"),
      relevant="${safe_to_talk} = 'yes'"),
    q("select_one yes_no", "consent",
      ("This call is about the domestic abuse advocacy service. Your answers are "
       "confidential, you can skip any question and you can stop at any time. Are you happy "
       "to take part?",
       "Mae'r alwad hon yn ymwneud â'r gwasanaeth eiriolaeth cam-drin domestig. Mae eich "
       "atebion yn gyfrinachol, gallwch hepgor unrhyw gwestiwn a gallwch stopio ar unrhyw "
       "adeg. Ydych chi'n fodlon cymryd rhan?"),
      hint=("If the respondent has to stop suddenly, end the call and hide the interview "
            "at once.",
            "Os oes rhaid i'r ymatebydd stopio'n sydyn, dewch â'r alwad i ben a chuddiwch y "
            "cyfweliad ar unwaith."),
      required="yes"),
    q("note", "consent_declined",
      ("Thank the respondent for their time and end the call.",
       "Diolchwch i'r ymatebydd am eu hamser a dewch â'r alwad i ben."),
      relevant="${consent} = 'no'"),

    q("begin group", "questions", ("Your experience", "Eich profiad"),
      relevant="${consent} = 'yes'"),
    q("select_one yes_no_unsure", "used_advocacy",
      ("Have you used the domestic abuse advocacy service?",
       "Ydych chi wedi defnyddio'r gwasanaeth eiriolaeth cam-drin domestig?"),
      required="yes"),
    q("select_one yes_no_pnts", "has_children",
      ("Do you have any children?", "Oes gennych chi blant?")),
    q("integer", "children_count",
      ("How many children do you have?", "Faint o blant sydd gennych chi?"),
      hint=("Leave blank if they prefer not to say.",
            "Gadewch yn wag os yw'n well ganddynt beidio â dweud."),
      relevant="${has_children} = 'yes'",
      constraint=". >= 1 and . <= 15",
      constraint_message=("Enter a number from 1 to 15.", "Rhowch rif o 1 i 15.")),
    q("begin repeat", "child", ("Child", "Plentyn"),
      relevant="${has_children} = 'yes'", repeat_count="${children_count}"),
    q("select_one child_age", "child_age_band",
      ("How old is this child?", "Faint yw oed y plentyn hwn?")),
    end("end repeat"),

    q("begin group", "advocacy", ("The advocacy service", "Y gwasanaeth eiriolaeth"),
      relevant="${used_advocacy} = 'yes'"),
    q("select_one satisfaction5", "satisfaction_overall",
      ("Overall, how satisfied are you with the support you received?",
       "Yn gyffredinol, pa mor fodlon ydych chi â'r cymorth a gawsoch?")),
    q("select_one satisfaction5", "satisfaction_first_contact",
      ("How satisfied are you with how quickly the service first contacted you?",
       "Pa mor fodlon ydych chi â pha mor gyflym y cysylltodd y gwasanaeth â chi gyntaf?")),
    q("select_one satisfaction5", "satisfaction_listened",
      ("How satisfied are you that your advocate listened to you?",
       "Pa mor fodlon ydych chi bod eich eiriolwr wedi gwrando arnoch chi?")),
    q("select_one satisfaction5", "satisfaction_safety_planning",
      ("How satisfied are you with the help you had to plan for your safety?",
       "Pa mor fodlon ydych chi â'r help a gawsoch i gynllunio ar gyfer eich diogelwch?")),
    q("text", "what_helped",
      ("What, if anything, helped you most?", "Beth, os unrhyw beth, a'ch helpodd fwyaf?"),
      appearance="multiline"),
    q("text", "what_could_be_better",
      ("Is there anything that would have made the service better for you?",
       "Oes unrhyw beth a fyddai wedi gwneud y gwasanaeth yn well i chi?"),
      appearance="multiline"),
    end("end group"),

    q("text", "anything_else",
      ("Is there anything else you would like to tell us?",
       "Oes unrhyw beth arall yr hoffech ei ddweud wrthym?"),
      appearance="multiline"),
    q("note", "end_note",
      ("Thank the respondent. Offer the support line number if they would like it, then "
       "end the call and close the form.",
       "Diolchwch i'r ymatebydd. Cynigiwch rif y llinell gymorth os hoffent ei gael, yna "
       "dewch â'r alwad i ben a chaewch y ffurflen.")),
    end("end group"),
    end("end group"),
]

SURVIVOR_CHOICES = [
    *choice_list("safe", [
        ("yes", "Yes", "Ydy"),
        ("no", "No", "Nac ydy"),
        ("callback", "Call back later", "Ffonio'n ôl yn nes ymlaen"),
    ]),
    *YES_NO,
    *choice_list("yes_no_unsure", [
        ("yes", "Yes", "Ie"),
        ("no", "No", "Na"),
        ("not_sure", "Not sure", "Ddim yn siŵr"),
    ]),
    *choice_list("yes_no_pnts", [
        ("yes", "Yes", "Ie"),
        ("no", "No", "Na"),
        PREFER_NOT,
    ]),
    *choice_list("child_age", [
        ("under_5", "Under 5", "O dan 5"),
        ("age_5_10", "5 to 10", "5 i 10"),
        ("age_11_15", "11 to 15", "11 i 15"),
        ("age_16_17", "16 or 17", "16 neu 17"),
        ("age_18_plus", "18 or over", "18 neu hŷn"),
        PREFER_NOT,
    ]),
    *SATISFACTION5,
]


FORMS = [
    ("perception.xlsx", "perception", "Public confidence and perceptions survey",
     PERCEPTION_SURVEY, PERCEPTION_CHOICES),
    ("strategy_consultation.xlsx", "strategy_consultation", "Draft strategy consultation",
     STRATEGY_SURVEY, STRATEGY_CHOICES),
    ("survivor_consultation.xlsx", "survivor_consultation",
     "Victim and survivor consultation", SURVIVOR_SURVEY, SURVIVOR_CHOICES),
]


# --------------------------------------------------------------------------------------
# Writing the workbooks
# --------------------------------------------------------------------------------------

def add_sheet(workbook: Workbook, title: str, columns: list[str], rows: list[dict]) -> None:
    """A sheet with a bold, frozen header row and only the columns the rows use."""
    used = [c for c in columns if any(c in row for row in rows)]
    unknown = {c for row in rows for c in row} - set(used)
    assert not unknown, f"{title}: unknown columns {sorted(unknown)}"
    sheet = workbook.create_sheet(title)
    sheet.append(used)
    for row in rows:
        sheet.append([row.get(c, "") or None for c in used])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(used):
        longest = max(len(str(row.get(column, ""))) for row in [{column: column}, *rows])
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = min(max(longest + 2, 10), 60)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx bytes, with fixed document dates and zip entry times."""
    workbook.properties.creator = "icv-app resources/survey/build_instruments.py"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save() would stamp the modified date with "now".
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return fixed.getvalue()


def build(form_id: str, title: str, survey: list[dict], choices: list[dict]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    add_sheet(workbook, "survey", SURVEY_COLUMNS, survey)
    add_sheet(workbook, "choices", CHOICE_COLUMNS, choices)
    settings = {"form_title": title, "form_id": form_id, "version": VERSION,
                "default_language": DEFAULT_LANGUAGE}
    add_sheet(workbook, "settings", list(settings), [settings])
    return workbook_bytes(workbook)


def main() -> None:
    for filename, form_id, title, survey, choices in FORMS:
        path = HERE / filename
        path.write_bytes(build(form_id, title, survey, choices))
        questions = sum(1 for row in survey
                        if row["type"].split()[0] not in ("begin", "end", "note", "calculate"))
        print(f"{path.name}: form_id {form_id}, version {VERSION}, {questions} questions")


if __name__ == "__main__":
    main()
