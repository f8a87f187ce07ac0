"""Forms of the library: a material (article, document, audio, video or link)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm
from qinglian.study.vocab import MaterialKind, TopicKind


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class MaterialForm(StyledForm):
    """A material; the file is asked for documents, audio and video, the text for articles, the address for
    links (the service checks which applies)."""

    organisation = UnitChoice(label=_("Unit"), queryset=None, empty_label=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=MaterialKind.choices, initial=MaterialKind.ARTICLE)
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Give the material a title.")}
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("For an article. Headings, paragraphs, lists, bold, italic, links, tables and quotes are kept."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("For a document (.pdf, .docx), audio (.mp3, .m4a) or video (.mp4, .webm)."),
    )
    url = forms.CharField(
        label=_("Address"), max_length=500, required=False, help_text=_("For a link: an address on this site.")
    )
    category = forms.CharField(
        label=_("Category"),
        max_length=400,
        required=False,
        help_text=_("A path of names, e.g. 党章党规/纪律处分条例; new categories are made as needed."),
    )
    tags = forms.CharField(label=_("Tags"), max_length=400, required=False, help_text=_("Separated by commas."))
    topic = forms.ChoiceField(label=_("Topic"), choices=TopicKind.choices, initial=TopicKind.CHARTER)
    minutes = forms.IntegerField(label=_("Minutes to study"), min_value=0, max_value=10000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units
