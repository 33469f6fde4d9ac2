# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 11 · Open weights and licenses
#
# > **Education, not legal advice.** This lesson teaches you to read license clauses and to ask
# > the right questions. It quotes the texts briefly, with section numbers and links, and says
# > "unclear" where the text does not decide. Before you rely on a license for a product, read
# > the full text in force on the day you use the model, and ask a lawyer.
#
# MiniMax-M1 ships under Apache-2.0 [1]; DeepSeek-R1 ships under MIT [2]. Both are called
# "open", and so are Meta's Llama models, whose community licenses set user thresholds, naming
# rules and a use policy [3]. What a company may actually do with each is written in the
# clauses. In this lesson you will
#
# 1. read the clauses that decide the common questions (patents, attribution, naming, user
#    thresholds, use restrictions, training on outputs) in Apache-2.0, MIT, the Llama licenses,
#    DeepSeek's agreement and MiniMax's licenses;
# 2. answer **"may I ...?"** for realistic cases with `minimoe.licenses`, each answer naming the
#    clause that decides it: a startup, a platform with 900 million monthly users, a researcher
#    who distils a model;
# 3. follow **MiniMax's license history** and see why a license belongs to an artifact on a date,
#    not to a brand;
# 4. tell **open weights** from **open source** with OSI's Open Source AI Definition, and check
#    which of its elements each release provides;
# 5. compute an **openness score** from the European Open Source AI Index, set it beside the
#    Model Openness Framework and Stanford's transparency index, and see where their view and a
#    clause-by-clause reading agree.
#
# **Why it matters for M1 vs R1.** On licenses the two are close: both are permissive, neither
# caps users or restricts uses. They differ in the details a company's lawyer checks: Apache-2.0
# gives an explicit patent license that MIT does not, while R1's README says in so many words that
# distillation is allowed [1, 2]. And on openness beyond the license they are alike again: neither
# publishes its training code or data [1, 14]. Knowing which of these differences matter for your
# use is the point of this lesson.
#
# **Conventions.** Numbers in square brackets point to the sources at the end. Every answer below
# comes from `minimoe.licenses`, a table compiled for this course from the research notes [18]:
# each entry says whether the notes read the publisher's own text (verified), an exact copy kept
# elsewhere (verified-copy) or only reports. Where this lesson gives its own reading rather than
# a source, it says so.

# %%
import time

import matplotlib.pyplot as plt
from IPython.display import display

from minimoe.exercises import check
from minimoe.licenses import (
    format_rows,
    grants_patent_license,
    license_rows,
    load_licenses,
    may_release_derivative,
    may_ship_product,
    may_train_on_outputs,
    may_use_for_military,
    model_rows,
)

notebook_start = time.perf_counter()
table = load_licenses()
print(f"{len(table.licenses)} licenses and terms, {len(table.models)} models and services")
columns = ("license", "date", "patent", "users", "outputs", "naming", "OSI")
print(format_rows([{k: row[k] for k in columns} for row in license_rows(table)]))

# %% [markdown]
# Each row is one text as read on its date. "patent" is whether it grants an explicit patent
# license (", suit ends": and takes it back if you sue); "users" the user-count clause;
# "outputs" what it says about training other models on the model's outputs; "naming" any rule
# for a derived model's name. Many cells say **unclear**: the notes could not read or verify that
# part of the text, and the table says so instead of guessing. `minimoe licenses` prints the full
# table in a terminal, and `minimoe licenses --json table.json` writes it.

# %% [markdown]
# ## 1. Apache-2.0: a patent license, and what ends it
#
# Apache-2.0 grants two licenses. §2 grants copyright: to "prepare Derivative Works of, publicly
# display, publicly perform, sublicense, and distribute" the Work [1]. §3 grants patents: each
# contributor grants a "patent license to make, have made, use, offer to sell, sell, import, and
# otherwise transfer the Work", limited to the claims "necessarily infringed by their
# Contribution(s)" [1]. And §3 ends with a retaliation clause: "If You institute patent litigation
# against any entity ... alleging that the Work ... constitutes direct or contributory patent
# infringement", then "any patent licenses granted to You under this License for that Work shall
# terminate as of the date such litigation is filed" [1].

# %%
print(grants_patent_license("MiniMax-M1"))

# %% [markdown]
# **Why companies care (our reading).** A company that builds a product on an Apache-2.0 model
# gets, from each contributor, a license to the patent claims that the contributor's own work
# necessarily infringes: for those claims, making, using and selling the model is licensed in
# writing, not left to argument. The retaliation clause makes suing over the Work costly: whoever
# files a patent suit claiming the Work infringes loses its own patent licenses for it. Note the limits: the grant covers only
# contributors' patents, and only the claims their contributions necessarily infringe. A third
# party's patents are not covered by any license.
#
# The rest of Apache-2.0 is about notices. Whoever redistributes the Work or a derivative must
# give recipients a copy of the License, mark changed files with "prominent notices stating that
# You changed the files" (§4(b)), keep the existing notices, and include "a readable copy of the
# attribution notices contained within such NOTICE file" if there is one (§4(d)) [1]. There is no
# naming rule, but §6 "does not grant permission to use the trade names ... of the Licensor,
# except as required for reasonable and customary use in describing the origin" [1]. And there is
# no user threshold, no acceptable-use policy, no clause on outputs.
#
# A detail from M1's repository: its first commit, on 14 June 2025, held the unfilled template
# line "Copyright [yyyy] [name of copyright owner]"; about two and a half hours later a commit
# changed it to "Copyright 2025 MiniMax" [1]. Even a standard license needs filling in.

# %% [markdown]
# ## 2. MIT: short, and silent on patents
#
# MIT grants the rights "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
# copies", on one condition: "The above copyright notice and this permission notice shall be
# included in all copies or substantial portions of the Software." [2] The word "patent" does not
# appear in it [2].

# %%
print(grants_patent_license("DeepSeek-R1"))

# %% [markdown]
# So MIT gives no *explicit* patent license. Whether its broad grant implies one is not decided
# by the text, and this course treats it as an open question rather than a settled one. MIT was
# also written for "the Software"; how well its words fit model weights is a question of
# interpretation (our note). DeepSeek answered one question outright for R1: its README says the
# models "support commercial use, allow for any modifications and derivative works, including,
# but not limited to, distillation for training other LLMs" (README §7) [2]. The table records
# that as DeepSeek's own statement, which is why R1's answer on outputs cites the README, not MIT:

# %%
print(may_train_on_outputs("DeepSeek-R1"))

# %% [markdown]
# ## 3. Llama: a user threshold, a naming rule, a use policy
#
# Every Llama community license, from Llama 2 (July 2023) to Llama 4 (April 2025), has the same
# §2: if a licensee's products had "greater than 700 million monthly active users in the
# preceding calendar month, you must request a license from Meta", "which Meta may grant to you in
# its sole discretion" [3]. The notes quote this part of §2 only, so which date "the preceding
# calendar month" refers to is left to the full text; the answer below says so.

# %%
print(may_ship_product("Llama-3.1", 900_000_000))
print()
print(
    may_ship_product("Llama-3.1", 700_000_000).verdict, "at exactly 700M: 'greater than' is strict"
)

# %% [markdown]
# **Outputs and names.** Llama 2 and Llama 3 say: "You will not use the Llama Materials or any
# output or results of the Llama Materials to improve any other large language model" (§1.b.v);
# Llama 2 excepts "Llama 2 or derivative works thereof" [3]. From Llama 3.1 the ban becomes a
# naming rule: if you use "any outputs or results of the Llama Materials to create, train, fine
# tune, or otherwise improve an AI model, which is distributed or made available, you shall also
# include “Llama” at the beginning of any such AI model name" (§1.b.i) [3]. Meta grants no other
# trademark rights (§5(a)), the license ends if you sue Meta alleging that the materials or
# outputs infringe (§5(c)), and California law governs (§7) [3].

# %%
for name in ("AcmeChat", "Llama-AcmeChat"):
    answer = may_release_derivative("Llama-3.1", name)
    print(f"{name:<16} {answer.verdict:<4} {answer.clause.cite()}")
for llama in ("Llama-2", "Llama-3", "Llama-3.1", "Llama-4"):
    print(f"train on {llama} outputs: {may_train_on_outputs(llama).verdict}")

# %% [markdown]
# **The acceptable-use policy.** Every Llama license makes Meta's Acceptable Use Policy part of
# it [3]. Llama 4's prohibits uses related to "Military, warfare, nuclear industries or
# applications, espionage", among others, and adds a territorial clause: "With respect to any
# multimodal models included in Llama 4", the rights of §1(a) are "not being granted to you if
# you are an individual domiciled in, or a company with a principal place of business in, the
# European Union", and "This restriction does not apply to end users of a product or service
# that incorporates any such multimodal models." [3] Read it closely: it covers multimodal
# models, and EU-based licensees, not their users. The same carve-out first appears in the Llama
# 3.2 policy; Llama 3.1's does not have it [3].

# %%
llama4 = table.licenses["llama-4-license"].terms["use_restrictions"]
for clause in llama4.clauses:
    print("-", clause.quote)
print(
    may_use_for_military("Llama-4").verdict,
    "| Llama 3.1:",
    may_use_for_military("Llama-3.1").verdict,
)

# %% [markdown]
# Llama 3.1's answer on military use is "unclear" because the course's notes quote military terms
# only from Llama 4's policy. The table does not carry a clause from one version over to another.


# %% [markdown]
# ## 4. DeepSeek: one agreement for V3, MIT for R1
#
# DeepSeek-V3's weights are under the **DeepSeek License Agreement v1.0** (23 October 2023); its
# code is under MIT, and its README says "The use of DeepSeek-V3 Base/Chat models is subject to the
# Model License" [4]. The agreement grants copyright (§2) and patents (§3), with an
# Apache-style termination if you bring patent litigation [4]. Its preamble explains its design:
# derivatives "will always have to include - at minimum - the same use-based restrictions" [4].
#
# - **Distillation counts as a derivative.** "Derivatives of the Model" include "methods based on
#   the generation of synthetic data by the Model for training the other model" [4]. So you may
#   distil V3, and the student inherits the restrictions.
# - **The restrictions.** "You cannot use the Model and the Derivatives of the Model for the
#   specified restricted uses" (§5), and downstream agreements must carry them: they "MUST be
#   included as an enforceable provision" (§4(a)) [4]. Attachment A lists 11 uses, among them
#   "For military use in any way" and "For fully automated decision making that adversely impacts
#   an individual's legal rights" [4].
# - **Outputs and control.** "DeepSeek claims no rights in the Output You generate" (§6), and
#   "DeepSeek reserves the right to restrict (remotely or otherwise) usage of the Model in
#   violation of this License" (§7) [4].
# - **Law.** The law of the People's Republic of China, with the courts at Hangzhou DeepSeek's
#   domicile (§14) [4].
#
# R1 (January 2025) and V3.2-Exp (September 2025) moved to MIT for the weights too [2, 19]. Here
# are the two regimes side by side:

# %%
questions = {
    "ship to 900M users": lambda s: may_ship_product(s, 900_000_000),
    "release as 'AcmeChat'": lambda s: may_release_derivative(s, "AcmeChat"),
    "train on its outputs": may_train_on_outputs,
    "explicit patent license": grants_patent_license,
    "military use": may_use_for_military,
}
for question, ask in questions.items():
    print(
        f"{question:<24}" + "".join(f"{ask(m).verdict:<14}" for m in ("DeepSeek-V3", "DeepSeek-R1"))
    )

# %% [markdown]
# R1 has no explicit patent license (MIT) where V3's agreement has one; V3 restricts uses where R1
# restricts none. Neither license is simply "more open" on every row.
#
# **A reading exercise, not a finding.** DeepSeek's README says its `DeepSeek-R1-Distill-Llama-8B`
# is "derived from Llama3.1-8B-Base" and was "originally licensed under llama3.1 license", and
# that the 70B model comes from Llama 3.3 [2]. Their names begin with "DeepSeek". The table
# checks a derived model against its base model's terms too, so a fine-tune of it meets Llama
# 3.1's §1.b.i. The course found no statement by Meta on these models, and whether §1.b.i
# applied to DeepSeek's own release is a legal question this lesson does not decide.

# %%
print(may_release_derivative("DeepSeek-R1-Distill-Llama-8B", "TinyR1"))

# %% [markdown]
# ## 5. MiniMax's license history
#
# MiniMax has changed its terms from release to release [1, 5, 6]:
#
# - **January 2025, MiniMax-Text-01 and VL-01**: a custom "MiniMax Model License Agreement" with
#   Llama-style clauses: display "Built with MiniMax AI" and "include 'MiniMax' at the beginning of
#   any such AI model name" (§2.b.i); "You will not use the MiniMax Model Materials or any output
#   or results of the MiniMax Model Materials to improve any other large language model" (§2.b.iv);
#   a licensee above "100 million monthly active users" must request a license (§3); and a list of
#   prohibited uses that includes "Assist with, engage in or in any way associate with any military
#   purpose" [5].
# - **20 February 2025**: a lighter "MiniMax Model License" for the weights and MIT for the code.
#   It removed the naming rule, the "Built with" rule, the ban on improving other models and the
#   100M clause. It kept a Prohibited Uses Policy ("Assist with, engage in or otherwise support any
#   military purpose"), a litigation-termination clause (§5.c), trade-compliance language, and
#   Singapore law with SIAC arbitration (§7) [5].
# - **June 2025, MiniMax-M1**: Apache-2.0 [1].
# - **October 2025, MiniMax-M2**: MIT. Its first commit held the Apache template before it was
#   changed to MIT [6].
# - **13 November 2025**: M2's MIT gains a rider: "Our only modification is that", for commercial
#   products with "more than 100 million monthly active users, or more than 30 million US dollars
#   ... in annual recurring revenue, you shall prominently display 'MiniMax M2' on the user
#   interface of such product or service" [6]. Moonshot AI's Kimi K2 uses the same pattern [20].
#
# The table keeps each model's licenses with their dates, and every question takes `on=` to ask
# about the terms of a given day:

# %%
print(format_rows([row for row in model_rows(table) if row["publisher"] == "MiniMax"]))

# %% [markdown]
# **Exercise 1. A platform with 900 million monthly users.** It wants to ship a feature built on
# one of five models, under today's terms: MiniMax-M1, DeepSeek-R1, Llama 3.1, DeepSeek-V3 and
# MiniMax-M2. Predict each verdict (yes, conditional, unclear or no) from the clauses quoted in
# sections 1 to 5, without calling the query functions; the check tells you which ones differ.


# %%
def platform_verdicts():
    """Model name -> the verdict for shipping to 900M monthly users."""
    ### BEGIN SOLUTION
    return {
        "MiniMax-M1": "yes",
        "DeepSeek-R1": "yes",
        "Llama-3.1": "no",
        "DeepSeek-V3": "conditional",
        "MiniMax-M2": "conditional",
    }
    ### END SOLUTION


# %%
platform_verdicts = check("11.platform", platform_verdicts)
for model in platform_verdicts():
    answer = may_ship_product(model, 900_000_000)
    print(f"{model:<12} {answer.verdict:<12} {answer.clause.license} {answer.clause.section or ''}")

# %% [markdown]
# Now every MiniMax release at once: five questions, asked of the terms each release had on a
# given day, one coloured cell per answer.

# %%
from minimoe.widgets.licenses import plot_verdicts

minimax_cases = [
    ("MiniMax-Text-01", "2025-01-20"),
    ("MiniMax-Text-01", "2025-03-01"),
    ("MiniMax-M1", "2025-07-01"),
    ("MiniMax-M2", "2025-11-01"),
    ("MiniMax-M2", "2025-12-01"),
]
minimax_questions = {
    "ship to 150M users": lambda s, on: may_ship_product(s, 150_000_000, on=on),
    "train on its outputs": lambda s, on: may_train_on_outputs(s, on=on),
    "release as 'AcmeChat'": lambda s, on: may_release_derivative(s, "AcmeChat", on=on),
    "explicit patent license": lambda s, on: grants_patent_license(s, on=on),
    "military use": lambda s, on: may_use_for_military(s, on=on),
}
grid = [[ask(s, on).verdict for s, on in minimax_cases] for ask in minimax_questions.values()]
fig, ax = plt.subplots(figsize=(10, 4))
plot_verdicts(
    grid,
    list(minimax_questions),
    [f"{s}\n{on}" for s, on in minimax_cases],
    ax,
    title="MiniMax's terms, release by release",
)
plt.tight_layout()
plt.show()
assert grid[1] == ["no", "yes", "yes", "yes", "yes"]  # the outputs ban ended in February 2025

# %% [markdown]
# Read the grid column by column. The brand is the same; the answers are not. The shipping row
# turns from "no" (above 100M users, January) to "conditional" (a use policy) to "yes" (M1, and
# M2 under plain MIT) and back to "conditional" when M2's rider asks for a displayed name. Some cells are "unclear"
# because the notes did not record that part of a text (the February revision's terms for
# distributing derivatives, for example). **Check the license of each artifact on the day you
# use it, not the brand's reputation.**
#
# **Exercise 2. A researcher distils a model.** She trains a small model on a teacher's outputs
# and publishes it as "TinyReasoner". For each case below, predict the verdict from the clauses
# quoted so far, then check. The API terms: OpenAI's forbid using Output "to develop models that
# compete with OpenAI" [9]; Google's Gemini API terms say the same of Gemini [10].
#
# | case | teacher | terms of |
# |---|---|---|
# | DeepSeek-R1 | DeepSeek-R1 | today |
# | Llama 2 | Llama-2 | today |
# | Llama 3.1 | Llama-3.1 | today |
# | DeepSeek-V3 | DeepSeek-V3 | today |
# | MiniMax-Text-01 in January 2025 | MiniMax-Text-01 | 2025-01-20 |
# | MiniMax-Text-01 in March 2025 | MiniMax-Text-01 | 2025-03-01 |
# | OpenAI API | OpenAI API | today |


# %%
def distillation_verdicts():
    """Case (the first column above) -> verdict for training and publishing "TinyReasoner"."""
    ### BEGIN SOLUTION
    return {
        "DeepSeek-R1": "yes",
        "Llama 2": "no",
        "Llama 3.1": "no",
        "DeepSeek-V3": "conditional",
        "MiniMax-Text-01 in January 2025": "no",
        "MiniMax-Text-01 in March 2025": "yes",
        "OpenAI API": "conditional",
    }
    ### END SOLUTION


# %%
distillation_verdicts = check("11.distillation", distillation_verdicts)
print(may_train_on_outputs("Llama-3.1", new_name="TinyReasoner"))
print()
print(may_train_on_outputs("OpenAI API"))

# %% [markdown]
# Two things to notice. Llama 3.1 allows distillation, but not under the name "TinyReasoner":
# "Llama-TinyReasoner" would pass. And the API terms are contracts between a provider and its
# customers, not copyright licenses on the outputs; OpenAI's terms assign Output to the user,
# subject to compliance with them [9]. Lesson 10 trains a student on a teacher's traces and
# measures how alike they become; it uses these same answers.

# %% [markdown]
# ## 6. The explorer
#
# Pick a model (or a license), a use, and the details: monthly users for a product, a name for a
# fine-tune, a date for the terms (empty means today's). The answer, the clause that decides it
# and the other clauses that bear on it print below; tick "show all terms" to see the whole entry.
# Try: Qwen2.5-72B (why is everything unclear?), Gemma 2 on outputs, Llama 4 for military use,
# DeepSeek-R1-Distill-Qwen-32B (whose terms are checked?).

# %%
from minimoe.widgets.licenses import license_explorer

display(license_explorer(table))

# %% [markdown]
# **A startup's choice.** A 20-person startup with 50,000 monthly users wants to fine-tune a
# model, ship it in its product and release the weights as "AcmeChat". The same questions, for
# four candidates:

# %%
startup = {
    "ship to 50k users": lambda s: may_ship_product(s, 50_000),
    "release as 'AcmeChat'": lambda s: may_release_derivative(s, "AcmeChat"),
    "explicit patent license": grants_patent_license,
}
candidates = ("MiniMax-M1", "DeepSeek-R1", "Qwen3", "Llama-3.1")
print(f"{'':<24}" + "".join(f"{c:<13}" for c in candidates))
for question, ask in startup.items():
    print(f"{question:<24}" + "".join(f"{ask(c).verdict:<13}" for c in candidates))
print()
print(may_ship_product("Llama-3.1", 50_000).condition)

# %% [markdown]
# For this startup, the Apache and MIT models need only their notices; Llama 3.1 is usable too,
# within its use policy and with "Built with Llama", but not under the name "AcmeChat". Which one
# it should choose depends on things no license decides: quality, cost, and how much the explicit
# patent license is worth to it.

# %% [markdown]
# ## 7. Open weights are not open source
#
# The Open Source Initiative (OSI) has said so of Llama twice. In July 2023: "Meta's license for
# the LLaMa models and code does not meet this standard", because it restricts commercial use for
# some users (§2) and restricts uses through the Acceptable Use Policy [11]. In February 2025:
# "Llama 3.x is still not Open Source by any stretch of the imagination" [12]. Those judgements
# concern the license.
#
# For AI systems OSI released the **Open Source AI Definition (OSAID) 1.0** on 28 October 2024
# [13]. It asks for the freedoms to use, study, modify and share the system, and for the
# "preferred form" to make modifications, which must include three elements [13]:

# %%
from minimoe.openness import load_openness

openness = load_openness()
for element in openness.osaid["elements"]:
    print(f"{element['name']:>16}: {element['quote']}")

# %% [markdown]
# Weights alone do not qualify: in OSI's words, "'Open Source models' and 'Open Source weights'
# must include the data information and code used to derive those parameters" [13]. The
# definition asks for information about the data (including a description of data that cannot be
# shared), not for the data itself [13]. And OSI certifies no model: "OSI will continue to validate
# only legal documents, and will not validate or review individual AI systems" [13]. Its 2024
# validation exercise found that OLMo, Pythia, CrystalCoder and T5 met the requirements, while
# Llama 2, Phi-2, Mixtral and Grok fell short [13]. No OSI assessment of M1, R1 or Qwen exists, so
# any verdict on them, including the one you are about to give, is a third party's reading.
#
# **Exercise 3. Which elements are missing?** For MiniMax-M1, MiniMax-Text-01, Llama 3.1 and
# OLMo, return the set of OSAID elements each release lacks, from "data information", "code"
# and "parameters". Evidence: M1's repository ships inference code, the config, the tokenizer and
# a technical report, but no training pipeline and no dataset documentation, and its weights are
# Apache-2.0 [1]. The European Open Source AI Index (section 8) rates each release's training
# code, data and license; print `openness.osai_entry(name).ratings` for any of them. OLMo's
# result is in OSI's validation above. DeepSeek-R1 is left out on purpose: its repository has no
# training code either, and its index entry says "Code: not released. Data: not disclosed." [14]


# %%
def osaid_missing():
    """Release -> the set of OSAID elements it lacks."""
    ### BEGIN SOLUTION
    return {
        "MiniMax-M1": {"data information", "code"},
        "MiniMax-Text-01": {"data information", "code", "parameters"},
        "Llama-3.1": {"data information", "code", "parameters"},
        "OLMo": set(),
    }
    ### END SOLUTION


# %%
osaid_missing = check("11.osaid_missing", osaid_missing)
for release, missing in osaid_missing().items():
    print(f"{release:<16} lacks: {', '.join(sorted(missing)) or 'nothing'}")

# %% [markdown]
# M1's license passes the parameters test; its missing training code and data information do
# not. That is the gap between "open weights" and "open source" in one line. This reading is the
# course's, made with the index's ratings; OSI has not assessed these releases.

# %% [markdown]
# ## 8. How others rate openness
#
# **The European Open Source AI Index** (osai-index.eu, hosted at Radboud University) catalogues
# systems that claim to be open [14, 15]. It rates each on dimensions, each open, partial or
# closed: data of the base and end models, weights of both, training code, code documentation,
# hardware architecture, preprint, peer-reviewed paper, model card, datasheet, package, API, and
# licenses [14]. Its licenses dimension is open only if everything is "fully covered by ...
# OSI-approved license, including all data sources and training pipeline code" [14]. On 13 March
# 2026 it removed package and API, leaving 12 [14]. Its data are YAML files in a git repository,
# one per model family, and each file tracks the family's *latest* model, so the course pins a
# commit for every rating [14]:

# %%
from minimoe.openness import OSAI_DIMENSIONS

labels = {d["name"]: d["label"] for d in openness.osai_about["dimensions"]}
print("columns: " + "; ".join(f"{i} {labels[d]}" for i, d in enumerate(OSAI_DIMENSIONS, 1)))
print(f"{'model':<16}{'commit':<9}{'date':<12}" + "".join(f"{i:<3}" for i in range(1, 15)))
mark = {"open": "O", "partial": "~", "closed": "x"}
for entry in openness.osai:
    cells = "".join(f"{mark.get(entry.ratings.get(d), '·'):<3}" for d in OSAI_DIMENSIONS)
    print(f"{entry.model:<16}{entry.commit:<9}{entry.date!s:<12}{cells}")

# %% [markdown]
# **Exercise 4. The index's score.** The index's website counts open as 1, partial as ½ and
# closed as 0, and averages over the dimensions that apply to the model [14]. Write
# `openness_score(ratings)` for a dict from dimension name to "open", "partial", "closed" or
# `None` (not rated). Careful with MiniMax-M2.5's entry, rated after two dimensions were removed.


# %%
def openness_score(ratings):
    """The mean points of the rated dimensions (open 1, partial 0.5, closed 0)."""
    ### BEGIN SOLUTION
    points = {"open": 1.0, "partial": 0.5, "closed": 0.0}
    rated = [rating for rating in ratings.values() if rating is not None]
    return sum(points[rating] for rating in rated) / len(rated)
    ### END SOLUTION


# %%
openness_score = check("11.openness_score", openness_score)
scores = {entry.model: openness_score(dict(entry.ratings)) for entry in openness.osai}
for model, score in scores.items():
    print(f"{model:<16} {score:.2f}")
assert round(scores["MiniMax-M1-80k"], 2) == 0.32 and round(scores["MiniMax-M2.5"], 2) == 0.21

fig, ax = plt.subplots(figsize=(8, 3.5))
ax.barh(list(scores), list(scores.values()), color="tab:blue")
ax.invert_yaxis()
ax.set_xlim(0, 1)
ax.set_xlabel("openness score (mean of open = 1, partial = ½, closed = 0)")
ax.set_ylabel("index entry")
ax.set_title("European Open Source AI Index, at pinned commits")
plt.tight_layout()
plt.show()

# %% [markdown]
# M1 scores 0.32 with an open license, the same as Llama 3.1 with a closed one: the score counts
# a dozen things besides the license. The index's own verdict on DeepSeek, in a post of January
# 2025: "DeepSeek represents interesting technical developments, but it is at best 'open
# weights', not open source" [14]. Within MiniMax the licenses dimension went from closed
# (Text-01, June 2025) to open (M1) and back to closed for M2.5's "Modified MIT, not an
# OSI-approved license" [14].
#
# **The Model Openness Framework** (Linux Foundation) sorts releases into three classes, each
# adding components to the one below, and every component must carry an open license [16]:

# %%
from minimoe.openness import mof_class

for cls in openness.mof_classes:
    print(f"{cls.name} ({cls.label}): {', '.join(cls.components)}")
for reading in openness.mof["readings"]:
    print(f"- {reading['subject']}: {reading['text']}")
r1_components = set(openness.mof_classes[0].components) - {"data card"}
print(
    "R1's Class III components without the data card ->",
    mof_class(r1_components, openness.mof_classes),
)

# %% [markdown]
# These readings apply the tool's rules to its stored entries; they are the notes' reading, not
# the badges the tool's website shows [16]. None of these models reaches even Class III, and
# there is no MiniMax entry at all.
#
# **Stanford's Foundation Model Transparency Index** rates *developers*, not weights: 100 yes-or-no
# indicators about each developer's flagship model, in upstream, model and downstream domains
# [17]. Its December 2025 totals:

# %%
latest = openness.fmti["2025-12"]
for developer, score in latest.items():
    print(f"{developer:<12} {score:>3} {'#' * (score // 4)}")
print("not scored:", ", ".join(openness.fmti_about["editions"][-1]["not_scored"]))

# %% [markdown]
# DeepSeek scores 32, Meta 31 and Alibaba 26; MiniMax is not scored [17]. Read the totals with
# the index's own method in mind: 7 of the 23 developers asked submitted their own reports, the
# FMTI team prepared reports for 6 others, and company-prepared reports averaged 54.1 against
# 25.0 for the team's [17]. How a developer was scored is mixed up with how open it is.
#
# **Where a clause-by-clause reading and the indexes agree, and where they differ.** Here are
# minimoe's answers beside each index entry's licenses rating and score, for the entries that
# have a model in the license table (on the date of the index's commit):

# %%
print(f"{'index entry':<16}{'licenses':<10}{'score':<7}{'ship 900M':<12}{'outputs':<13}patents")
for entry in openness.osai:
    if entry.subject is None:
        continue
    on = entry.date.isoformat()
    verdicts = [
        may_ship_product(entry.subject, 900_000_000, on=on).verdict,
        may_train_on_outputs(entry.subject, on=on).verdict,
        grants_patent_license(entry.subject, on=on).verdict,
    ]
    print(
        f"{entry.model:<16}{entry.ratings['licenses']:<10}{entry.score:<7.2f}"
        f"{verdicts[0]:<12}{verdicts[1]:<13}{verdicts[2]}"
    )

# %% [markdown]
# - **They agree** where licenses are permissive or clearly restrictive: M1 and Qwen3 are open on
#   the index's licenses dimension and "yes" on every row here; Llama 3.1 and 4 are closed there
#   and "no" above 700M users here.
# - **They differ in scope.** The clause reading answers questions a company asks (may I ship,
#   distil, rename?) and is silent about data, code and papers; the indexes weigh those too. So
#   M1 is "yes" everywhere here but scores 0.32, and no model in the table reaches an MOF class.
# - **They differ in detail.** The index rates R1's licenses only partial, and its entry names the
#   DeepSeek License Agreement while its own note and R1's README say MIT [2, 14]: pinned data can
#   be inconsistent, and the clause reading catches it. MiniMax-Text-01's June 2025 entry is
#   closed on licenses, and by then its terms were already the lighter February revision, still
#   a custom license with prohibited uses.
# - **They differ in unit.** FMTI scores developers, OSAID judges systems, the index rates model
#   families at a commit, and minimoe reads one text on one date. A "more open" label in one is
#   not a statement in another.
#
# Which view matters depends on the question. A company choosing a model for a product needs the
# clauses; a researcher who wants to reproduce a model needs the data and code the indexes look
# for. None of these sources ranks one view above the other, and neither does this lesson.

# %%
print(f"notebook ran in {time.perf_counter() - notebook_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - A way to answer "may I ...?" with the clause in hand: `may_ship_product`,
#   `may_release_derivative`, `may_train_on_outputs`, `grants_patent_license` and
#   `may_use_for_military`, each returning a verdict, its condition and the deciding clause, and
#   "unclear" where the text, as read, does not decide.
# - Clause-level readings of Apache-2.0 (patent grant, retaliation, notices, no trademark grant),
#   MIT, the Llama licenses (700M users, "Llama" names, the use policy), DeepSeek's agreement
#   (distillation as a derivative, inherited restrictions) and MiniMax's five sets of terms.
# - Verdicts for a 900M-user platform and a distilling researcher, and a startup's comparison.
# - The difference between open weights and open source, element by element (OSAID), and the
#   European Open Source AI Index's score, computed yourself, beside MOF classes and FMTI totals.
#
# ## Try it
#
# - **Add a license.** Copy an entry of `minimoe/data/licenses.json` into a dict, change it to a
#   license you know (Kimi K2's "Modified MIT" is a small step from MiniMax-M2's rider), and pass
#   `{"licenses": [...], "models": [...]}` to `minimoe.licenses.parse_table`. Then break a field on
#   purpose and read the error. Start from
#   `json.loads(minimoe.licenses.DATA_FILE.read_text(encoding="utf-8"))`.
# - **Ratings over time.** The index's git history keeps every past rating. Pick a family and two
#   commits, transcribe both rows in the notation above, and compute how the score moved. Which
#   dimension moved it?
# - **Your capstone's license.** Lesson 14 asks you to license your own model. Which of the
#   questions above would you want a user to be able to answer "yes" to, and which license gives
#   that?

# %% [markdown]
# ## Check your understanding
#
# 1. A company sues a contributor of an Apache-2.0 model, claiming the model infringes one of
#    its patents. What happens to the company's own license to use the model?
# 2. Why is "may I train a model on Llama 3.1's outputs?" not a yes-or-no question, while the same
#    question about Llama 2 is?
# 3. MiniMax-M1 has an OSI-approved license. Why does the European Open Source AI Index score it
#    only 0.32, and what would OSAID need before it counted as open source?
# 4. Two model cards both say "open". What would you check first, and why does the date matter?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. Under §3 its *patent* licenses for that Work end on the day it files the suit. The clause
#    names only patent licenses, so the copyright license of §2 is not what it ends; but without
#    the contributors' patent licenses, their patents on the Work are no longer licensed to it.
# 2. Llama 2's §1.b.v forbids using its outputs to improve any other LLM (except Llama 2 and its
#    derivatives): no, whatever you do. Llama 3.1's §1.b.i allows it, but a distributed or
#    published model must have a name that begins with "Llama": the answer depends on the name
#    and on whether you release the model.
# 3. The score averages 14 dimensions, and M1 is open on only four (both weights, the preprint,
#    the license) and partial on one (hardware): 4.5/14. OSAID would also need the complete
#    training code and data information detailed enough for a skilled person to build a
#    substantially equivalent system, both under OSI-approved terms.
# 4. The license text of that artifact, on the day you use it: whether it has a user threshold, a
#    use policy, a naming rule, a clause on outputs, and a patent grant. The date matters because
#    terms change between releases and even within one release: MiniMax-Text-01 had an outputs
#    ban and a 100M-user clause in January 2025 and neither from 20 February 2025.

# %% [markdown]
# ## Sources
#
# [V] verified in the primary text, [V-copy] verified in an exact copy kept elsewhere. The
# clauses were read in the course's research notes; the links go to the texts.
#
# 1. MiniMax, MiniMax-M1 repository: `LICENSE` (Apache-2.0) @ aa761a9 (2025-06-14), the first
#    commit 8d45a53, the repository tree and README @ 2abb4f4. [V]
#    https://github.com/MiniMax-AI/MiniMax-M1/blob/aa761a9c12a3e154440d14073c86b4fe93d105c0/LICENSE
# 2. DeepSeek, DeepSeek-R1 repository: `LICENSE` (MIT) @ 0cf7856; README §7 (licence, distilled
#    models) @ 23807ce, 2025-01-20. [V] https://github.com/deepseek-ai/DeepSeek-R1/blob/23807ce/README.md
# 3. Meta, Llama 2, 3, 3.1, 3.3 and 4 community licenses and Acceptable Use Policies,
#    meta-llama/llama-models @ a9c89c4 (§1.b.i, §1.b.v, §1.b.iii, §2, §5, §7). [V]
#    https://github.com/meta-llama/llama-models/tree/a9c89c4/models
# 4. DeepSeek, DeepSeek License Agreement v1.0 (23 Oct 2023), DeepSeek-V3 `LICENSE-MODEL` and
#    README @ 9b4e978. [V] https://github.com/deepseek-ai/DeepSeek-V3/blob/9b4e978/LICENSE-MODEL
# 5. MiniMax, MiniMax-01 repository: `LICENSE` @ 15dcc3f (January 2025); `LICENSE-MODEL` and
#    `LICENSE-CODE` from 2025-02-20 (d3a04a8), read at 57cf223. [V]
#    https://github.com/MiniMax-AI/MiniMax-01
# 6. MiniMax, MiniMax-M2 repository: `LICENSE` (31725c8, e27aac4; the rider in 8bbd67e,
#    2025-11-13), read at 2e575ef. [V] https://github.com/MiniMax-AI/MiniMax-M2/blob/2e575ef/LICENSE
# 7. Alibaba Qwen team, README of QwenLM/Qwen3 (formerly Qwen2.5) @ 486bf75 (2025-01-12) and
#    7a2f61f. [V] https://github.com/QwenLM/Qwen3
# 8. Google, Gemma Terms of Use, last modified 1 April 2024, read in verbatim copies (e.g.
#    huggingface.co/Mozilla/gemma-2-2b-it-llamafile). [V-copy] https://ai.google.dev/gemma/terms
# 9. OpenAI, Terms of Use, effective 31 January 2024 ("What you cannot do"), read in verbatim
#    copies. [V-copy] https://openai.com/policies/terms-of-use
# 10. Google, Gemini API Additional Terms of Service, versions of 15 Feb 2024 and 13 Dec 2024. [V]
#     https://ai.google.dev/terms-archive/terms_02_15_24 and
#     https://ai.google.dev/gemini-api/terms_preview
# 11. Open Source Initiative, "Meta's LLaMa 2 license is not Open Source", July 2023, read in
#     copies. [V-copy] https://opensource.org/blog/metas-llama-2-license-is-not-open-source
# 12. Open Source Initiative, "Meta's LLaMa license is still not Open Source", 18 Feb 2025, read
#     in a mirror. [V-copy] https://opensource.org/blog/metas-llama-license-is-still-not-open-source
# 13. Open Source Initiative, The Open Source AI Definition 1.0 (28 Oct 2024), and "2024
#     end-of-year review" (validation results), read in verbatim copies. [V-copy]
#     https://opensource.org/ai/open-source-ai-definition and
#     https://opensource.org/blog/2024-end-of-year-review-open-source-ai-definition-v1-0
# 14. European Open Source AI Index: Language-Technology-Assessment/main-database (`Minimax.yaml`
#     @ 2e1fa28, 53e59df, 5a388e8; `deepseek-R1.yaml`, `Qwen.yaml`, `OLMo.yaml` and the Llama
#     entries @ 53e59df; `.zenodo.json` @ 5a388e8; the removal of two dimensions in ff85b6f);
#     the score formula in Language-Technology-Assessment/website `composables/models.ts` @
#     0e1cc2b; "How Open is DeepSeek?", `pages/news/deepseek.md` @ 5dfda11 in
#     Language-Technology-Assessment/European-open-AI-index. Data CC-BY 4.0, https://osai-index.eu/.
#     [V] https://github.com/Language-Technology-Assessment/main-database
# 15. A. Liesenfeld, M. Dingemanse, "Rethinking open source generative AI: open-washing and the
#     EU AI Act", FAccT '24, pp. 1774-1787. [V] https://doi.org/10.1145/3630106.3659005
# 16. M. White et al., "The Model Openness Framework", arXiv 2403.13784 (v6, Oct 2024); the Model
#     Openness Tool, lfai/model_openness_tool @ 8b5d30e (`mof.settings.yml`, `models/`). [V]
#     https://arxiv.org/abs/2403.13784 and https://github.com/lfai/model_openness_tool
# 17. Stanford CRFM, Foundation Model Transparency Index, stanford-crfm/fmti @ f4500c5
#     (December 2025 scores, indicators, method, group means); arXiv 2310.12941. [V]
#     https://github.com/stanford-crfm/fmti
# 18. The minimoe license table, `minimoe/data/licenses.json`, compiled for this course from its
#     research notes; every entry names its own source and URL (shown by the explorer and by
#     `minimoe licenses --json`).
# 19. DeepSeek, DeepSeek-V3.2-Exp README and `LICENSE` @ 3b99a53 (MIT, September 2025). [V]
#     https://github.com/deepseek-ai/DeepSeek-V3.2-Exp
# 20. Moonshot AI, Kimi K2 `LICENSE` and README @ c6157be ("Modified MIT", display duty above 100M
#     monthly users or $20M monthly revenue). [V] https://github.com/MoonshotAI/Kimi-K2
#
# **Left out for want of a source.** MiniMax's reported description of M1 as "actually open
# source" (no primary source found); news reports that Llama 4 is "barred in the EU" (not
# traceable to an outlet in the notes); the terms of later DeepSeek-V3 checkpoints; criticism
# of OSAID's data requirement.
