"""R38: C/Y/YES/CONFIRM in any case with surrounding spaces confirm; other words don't."""

from hypothesis import given, settings
from hypothesis import strategies as st

from appointments.confirmations import CONFIRM_WORDS
from messaging.services import STOP_WORDS, keyword_of

spaces = st.text(alphabet=" \t\r\n", max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    word=st.sampled_from(sorted(CONFIRM_WORDS | {"STOP"})),
    case=st.lists(st.booleans(), min_size=7, max_size=7),
    before=spaces,
    after=spaces,
)
def test_any_case_and_surrounding_spaces_give_the_keyword(word, case, before, after):
    typed = "".join(
        letter.lower() if lower else letter for letter, lower in zip(word, case, strict=False)
    )
    assert keyword_of(before + typed + after) == word


def test_words_inside_a_sentence_are_not_keywords():
    assert keyword_of("yes please, but at 4") not in CONFIRM_WORDS
    assert keyword_of("don't stop") not in STOP_WORDS
