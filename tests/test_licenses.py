"""The license table is sourced and dated, its answers follow the cited clauses, bad data is refused."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from minimoe.cli import main
from minimoe.licenses import (
    DATA_FILE,
    MAX_QUOTE_WORDS,
    STATUSES,
    TERM_VALUES,
    VERDICTS,
    LicenseError,
    grants_patent_license,
    license_rows,
    load_licenses,
    may_release_derivative,
    may_ship_product,
    may_train_on_outputs,
    may_use_for_military,
    model_rows,
    parse_table,
    quote_words,
    to_records,
)

TABLE = load_licenses()
RAW = json.loads(DATA_FILE.read_text(encoding="utf-8"))
LLAMAS = ["Llama-2", "Llama-3", "Llama-3.1", "Llama-3.3", "Llama-4"]
QUESTIONS = [
    lambda s: may_ship_product(s, 900_000_000),
    lambda s: may_ship_product(s, 5_000),
    lambda s: may_release_derivative(s, "AcmeChat"),
    lambda s: may_train_on_outputs(s),
    lambda s: grants_patent_license(s),
    lambda s: may_use_for_military(s),
]


def _broken(edit) -> dict:
    data = copy.deepcopy(RAW)
    edit(data)
    return data


def _license(data, license_id):
    return next(lic for lic in data["licenses"] if lic["id"] == license_id)


# ------------------------------------------------------------------------- the shipped table


def test_the_table_covers_the_licenses_and_models_of_the_course():
    ids = set(TABLE.licenses)
    for wanted in (
        "apache-2.0",
        "mit",
        "llama-2-license",
        "llama-3-license",
        "llama-3.1-license",
        "llama-4-license",
        "deepseek-license-1.0",
        "minimax-model-2025-01",
        "minimax-model-2025-02",
        "minimax-m2-mit-rider",
        "gemma-terms-2024-04",
    ):
        assert wanted in ids
    for model in ("MiniMax-M1", "DeepSeek-R1", "DeepSeek-V3", "Llama-3.1", "Qwen3", "Qwen2.5"):
        assert TABLE.models[model].licenses


def test_every_entry_has_a_source_url_date_and_status():
    for lic in TABLE.licenses.values():
        assert lic.source and lic.url.startswith("https://") and lic.date_note
        assert isinstance(lic.date, dt.date) and lic.status in STATUSES
        assert set(lic.terms) == set(TERM_VALUES)
    for model in TABLE.models.values():
        assert model.released or model.released_note
        for use in model.licenses:
            assert use.source and use.url.startswith("https://") and use.license in TABLE.licenses


def test_every_clause_is_short_and_linked_and_every_unclear_term_says_why():
    for lic in TABLE.licenses.values():
        for term in lic.terms.values():
            assert term.summary
            if term.value == "unclear":
                assert term.reason
            for clause in term.clauses:
                assert quote_words(clause.quote) <= MAX_QUOTE_WORDS
                assert clause.url.startswith("https://")
                assert clause.section or clause.quote or clause.note


def test_every_question_answers_every_subject_with_a_verdict_and_a_linked_clause():
    for subject in TABLE.subjects():
        for ask in QUESTIONS:
            answer = ask(subject)
            assert answer.verdict in VERDICTS
            assert answer.clause.url.startswith("https://")
            assert subject in answer.subject or TABLE.find(subject).name in answer.subject
            if answer.verdict in ("no", "unclear", "conditional"):
                assert answer.condition, (subject, answer)
            assert answer.question in str(answer)


def test_names_resolve_across_spellings_and_unknown_names_suggest_close_ones():
    assert TABLE.find("llama 3.1") is TABLE.find("LLAMA_3.1") is TABLE.models["Llama-3.1"]
    assert TABLE.find("R1") is TABLE.models["DeepSeek-R1"]
    assert TABLE.find("Apache License 2.0") is TABLE.licenses["apache-2.0"]
    with pytest.raises(ValueError, match="did you mean.*MiniMax-M1"):
        TABLE.find("MiniMax-M11")


# --------------------------------------------------------------- answers the clauses give


@pytest.mark.parametrize("llama", LLAMAS)
def test_a_900m_user_platform_needs_metas_permission_for_every_llama(llama):
    answer = may_ship_product(llama, 900_000_000)
    assert answer.verdict == "no"
    assert answer.clause.section == "§2" and "700 million" in answer.clause.quote
    assert "sole discretion" in " ".join(clause.quote for clause in answer.also)


def test_the_llama_threshold_is_strictly_above_700m_and_smaller_products_keep_to_the_aup():
    at_limit = may_ship_product("Llama-3.1", 700_000_000)
    assert at_limit.verdict == "conditional" and "Acceptable Use Policy" in at_limit.condition
    assert may_ship_product("Llama-3.1", 700_000_001).verdict == "no"


def test_apache_and_mit_models_ship_at_any_size():
    for subject in ("MiniMax-M1", "DeepSeek-R1", "Qwen3", "DeepSeek-V3.2-Exp"):
        assert may_ship_product(subject, 2_000_000_000).verdict == "yes"
    assert "NOTICE" in may_ship_product("MiniMax-M1", 10).condition


def test_minimax_m2_rider_asks_for_a_display_above_100m_users_or_30m_revenue():
    big = may_ship_product("MiniMax-M2", 150_000_000)
    assert big.verdict == "conditional" and "MiniMax M2" in big.condition
    assert may_ship_product("MiniMax-M2", 10_000, annual_revenue_usd=1e6).verdict == "yes"
    rich = may_ship_product("MiniMax-M2", 10_000, annual_revenue_usd=40e6)
    assert rich.verdict == "conditional" and "revenue" in rich.condition
    unknown_revenue = may_ship_product("MiniMax-M2", 10_000)
    assert unknown_revenue.verdict == "conditional" and "$30,000,000" in unknown_revenue.condition
    before_rider = may_ship_product("MiniMax-M2", 150_000_000, on="2025-11-01")
    assert before_rider.verdict == "yes" and "MIT" in before_rider.subject


def test_minimax_text01_needed_a_license_above_100m_users_in_january_2025_only():
    assert may_ship_product("MiniMax-Text-01", 150_000_000, on="2025-01-20").verdict == "no"
    assert may_ship_product("MiniMax-Text-01", 150_000_000).verdict == "conditional"


def test_deepseek_v3_ships_only_within_attachment_a():
    answer = may_ship_product("DeepSeek-V3", 900_000_000)
    assert answer.verdict == "conditional" and answer.clause.section == "§5"


def test_apache_grants_patents_that_end_when_you_sue():
    answer = grants_patent_license("apache-2.0")
    assert answer.verdict == "yes" and answer.clause.section == "§3"
    assert "sue" in answer.condition
    quotes = " ".join(clause.quote for clause in answer.also)
    assert "patent litigation" in quotes and "shall terminate" in quotes


def test_mit_has_no_explicit_patent_grant_and_deepseeks_agreement_has_one():
    assert grants_patent_license("mit").verdict == "no"
    assert grants_patent_license("DeepSeek-R1").verdict == "no"
    assert grants_patent_license("DeepSeek-V3").verdict == "yes"
    assert grants_patent_license("Llama-3.1").verdict == "unclear"


def test_llama_31_derivatives_must_be_named_llama():
    refused = may_release_derivative("Llama-3.1", "AcmeChat")
    assert refused.verdict == "no" and refused.clause.section == "§1.b.i"
    assert "Llama-AcmeChat" in refused.condition
    assert may_release_derivative("Llama-3.1", "Llama-AcmeChat").verdict == "yes"
    assert may_release_derivative("Llama-3", "Llama-AcmeChat").verdict == "no"  # "Llama 3..."
    assert may_release_derivative("Llama-3", "Llama 3 AcmeChat").verdict == "yes"


def test_apache_grants_no_trademark_so_the_publishers_name_in_yours_is_unclear():
    assert may_release_derivative("MiniMax-M1", "AcmeReasoner").verdict == "yes"
    with_brand = may_release_derivative("MiniMax-M1", "MiniMax-Acme")
    assert with_brand.verdict == "unclear" and with_brand.clause.section == "§6"


def test_a_model_derived_from_llama_carries_llamas_naming_rule():
    answer = may_release_derivative("DeepSeek-R1-Distill-Llama-8B", "TinyR1")
    assert answer.verdict == "no" and "Llama 3.1" in answer.clause.license
    assert "derived from Llama-3.1" in answer.subject
    assert may_ship_product("DeepSeek-R1-Distill-Qwen-32B", 900_000_000).verdict == "yes"


def test_apache_and_mit_place_no_limit_on_training_on_outputs():
    for subject in ("apache-2.0", "mit", "MiniMax-M1", "Qwen3"):
        assert may_train_on_outputs(subject).verdict == "yes"


def test_r1_allows_distillation_in_so_many_words():
    answer = may_train_on_outputs("DeepSeek-R1")
    assert answer.verdict == "yes" and answer.clause.section == "README §7"
    assert "distillation for training other LLMs" in answer.clause.quote


def test_llama_2_and_3_forbid_training_other_llms_and_31_asks_for_the_name():
    for old in ("Llama-2", "Llama-3"):
        answer = may_train_on_outputs(old)
        assert answer.verdict == "no" and answer.clause.section == "§1.b.v"
    assert may_train_on_outputs("Llama-3.1").verdict == "conditional"
    assert may_train_on_outputs("Llama-3.1", new_name="TinyReasoner").verdict == "no"
    assert may_train_on_outputs("Llama-4", new_name="Llama-TinyReasoner").verdict == "yes"


def test_deepseek_v3_distillation_makes_a_derivative_that_inherits_the_restrictions():
    answer = may_train_on_outputs("DeepSeek-V3")
    assert answer.verdict == "conditional" and "synthetic data" in answer.clause.quote


def test_minimaxs_ban_on_training_other_llms_lasted_until_february_2025():
    january = may_train_on_outputs("MiniMax-Text-01", on="2025-01-20")
    assert january.verdict == "no" and january.clause.section == "§2.b.iv"
    assert may_train_on_outputs("MiniMax-Text-01", on=dt.date(2025, 3, 1)).verdict == "yes"
    with pytest.raises(ValueError, match="no license is recorded"):
        may_train_on_outputs("MiniMax-Text-01", on="2024-12-01")


def test_api_terms_forbid_only_competing_models():
    for service in ("OpenAI API", "Gemini API"):
        answer = may_train_on_outputs(service)
        assert answer.verdict == "conditional" and "compete" in answer.clause.quote
    assert (
        "Gemini API or Google AI Studio"
        in may_train_on_outputs("Gemini", on="2024-06-01").clause.quote
    )


def test_military_use_follows_the_use_policies():
    assert may_use_for_military("Llama-4").verdict == "no"
    assert may_use_for_military("DeepSeek-V3").verdict == "no"
    assert may_use_for_military("MiniMax-Text-01").verdict == "no"
    assert may_use_for_military("MiniMax-M1").verdict == "yes"
    assert may_use_for_military("Llama-3.1").verdict == "unclear"


def test_qwen25_3b_and_72b_are_unclear_because_their_license_was_not_read():
    for ask in QUESTIONS:
        assert ask("Qwen2.5-3B").verdict == "unclear"
    assert may_ship_product("Qwen2.5-7B", 900_000_000).verdict == "yes"


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("users", [-1, 1.5, True, "many"])
def test_bad_user_counts_are_refused(users):
    with pytest.raises(ValueError, match="monthly_active_users"):
        may_ship_product("MiniMax-M1", users)


def test_other_bad_input_is_explained():
    with pytest.raises(ValueError, match="new_name"):
        may_release_derivative("MiniMax-M1", "  ")
    with pytest.raises(ValueError, match="is a license itself"):
        may_train_on_outputs("apache-2.0", on="2025-01-01")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        may_train_on_outputs("MiniMax-M1", on="June 2025")
    with pytest.raises(TypeError):
        may_train_on_outputs(42)


# --------------------------------------------------------------------- malformed entries


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda d: _license(d, "apache-2.0").pop("url"),
            r"license 0 \(apache-2.0\): missing field\(s\) url",
        ),
        (
            lambda d: _license(d, "mit").update(date="2025-13-01"),
            r"\(mit\): field 'date' must be YYYY-MM-DD",
        ),
        (lambda d: _license(d, "mit").update(status="rumoured"), r"\(mit\): field 'status'"),
        (
            lambda d: _license(d, "mit").update(url="github.com/x"),
            r"\(mit\): field 'url' must start",
        ),
        (lambda d: _license(d, "mit")["terms"].pop("osi"), r"\(mit\): missing term\(s\) osi"),
        (
            lambda d: _license(d, "mit")["terms"]["naming"].update(value="maybe"),
            r"\(mit\), term 'naming': field 'value' must be one of",
        ),
        (
            lambda d: _license(d, "llama-4-license")["terms"]["osi"].pop("reason"),
            r"\(llama-4-license\), term 'osi': an 'unclear' term needs a 'reason'",
        ),
        (
            lambda d: _license(d, "apache-2.0")["terms"]["patent_grant"]["clauses"][0].update(
                quote=" ".join(["word"] * 26)
            ),
            r"term 'patent_grant', clause 0: field 'quote' has 26 words",
        ),
        (
            lambda d: _license(d, "llama-2-license")["terms"]["user_threshold"].pop(
                "monthly_active_users"
            ),
            r"\(llama-2-license\), term 'user_threshold': .* needs the field 'monthly_active_users'",
        ),
        (
            lambda d: _license(d, "mit")["terms"]["attribution"]["clauses"][0].update(
                section=None, quote="", note=""
            ),
            r"needs a section, a quote or a note",
        ),
        (
            lambda d: d["licenses"].append(copy.deepcopy(d["licenses"][0])),
            r"id 'apache-2.0' is used twice",
        ),
        (
            lambda d: d["models"][0]["licenses"][0].update(license="gpl-9"),
            r"model 0 \(MiniMax-Text-01\), license 0: field 'license' names 'gpl-9'",
        ),
        (
            lambda d: d["models"][0]["licenses"].reverse(),
            r"model 0 \(MiniMax-Text-01\): field 'licenses' must be in date order",
        ),
        (
            lambda d: d["models"][5].update(derived_from=["Qwen9"]),
            r"derived_from' names 'Qwen9'",
        ),
        (lambda d: d["models"][1].update(released=None), r"needs a 'released_note'"),
        (lambda d: d.pop("models"), r"expected an object with 'licenses' and 'models' lists"),
    ],
)
def test_malformed_entries_are_refused_with_the_entry_and_field_named(edit, message):
    with pytest.raises(LicenseError, match=message):
        parse_table(_broken(edit))


def test_a_broken_file_on_disk_is_refused(tmp_path):
    path = tmp_path / "licenses.json"
    path.write_text(json.dumps(_broken(lambda d: _license(d, "mit").pop("source"))))
    with pytest.raises(LicenseError, match=r"\(mit\): missing field\(s\) source"):
        load_licenses(path)


# ------------------------------------------------------------------------- table and CLI


def test_rows_and_records_cover_every_license_and_model():
    assert [row["license"] for row in license_rows()] == list(TABLE.licenses)
    assert {row["model"] for row in model_rows()} == set(TABLE.models)
    records = to_records()
    json.dumps(records)  # plain data only
    assert parse_table(records) == TABLE  # the written file reads back unchanged


def test_cli_prints_the_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "licenses.json"
    assert main(["licenses", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "not legal advice" in out and "llama-3.1-license" in out and "MiniMax-M1" in out
    written = json.loads(path.read_text(encoding="utf-8"))
    assert len(written["licenses"]) == len(TABLE.licenses)


def test_cli_refuses_a_missing_folder_and_bad_flags(tmp_path, capsys):
    assert main(["licenses", "--json", str(tmp_path / "nope" / "x.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    for argv in (["licenses", "--bogus"], ["licenses", "--json"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        assert "usage: minimoe" in capsys.readouterr().err
