"""librosa's namespaces, so that ``import audiofeat as librosa`` runs code that uses the implemented subset.

The implementation lives in the modules named after the properties of audio (``shorttime``, ``spectral``,
``temporal``, ...); the librosa-named namespaces (``audiofeat.feature``, ``audiofeat.util``, ...) only hand
on the same objects. A librosa name that audiofeat does not implement yet raises an ``AttributeError`` that
says so. :data:`LIBROSA_NAMES` lists librosa 0.11's public names per namespace, for that message alone.
"""

from __future__ import annotations

from typing import Callable

LIBROSA_NAMES = {
    "": frozenset("""
        A4_to_tuning A_weighting B_weighting C_weighting D_weighting LibrosaError ParameterError
        Z_weighting amplitude_to_db autocorrelate blocks_to_frames blocks_to_samples blocks_to_time
        cache chirp cite clicks cqt cqt_frequencies db_to_amplitude db_to_power estimate_tuning ex
        example f0_harmonics fft_frequencies fifths_to_note fmt fourier_tempo_frequencies
        frames_to_samples frames_to_time frequency_weighting get_duration get_fftlib get_samplerate
        griffinlim griffinlim_cqt hybrid_cqt hz_to_fjs hz_to_mel hz_to_midi hz_to_note hz_to_octs
        hz_to_svara_c hz_to_svara_h icqt iirt interp_harmonics interval_frequencies interval_to_fjs
        istft key_to_degrees key_to_notes list_mela list_thaat load lpc magphase mel_frequencies
        mel_to_hz mela_to_degrees mela_to_svara midi_to_hz midi_to_note midi_to_svara_c
        midi_to_svara_h mu_compress mu_expand multi_frequency_weighting note_to_hz note_to_midi
        note_to_svara_c note_to_svara_h octs_to_hz pcen perceptual_weighting phase_vocoder piptrack
        pitch_tuning plimit_intervals power_to_db pseudo_cqt pyin pythagorean_intervals
        reassigned_spectrogram resample salience samples_like samples_to_frames samples_to_time
        set_fftlib show_versions stft stream tempo_frequencies thaat_to_degrees time_to_frames
        time_to_samples times_like to_mono tone tuning_to_A4 vqt yin zero_crossings
    """.split()),
    "feature": frozenset("""
        chroma_cens chroma_cqt chroma_stft chroma_vqt delta fourier_tempogram inverse melspectrogram
        mfcc poly_features rms spectral_bandwidth spectral_centroid spectral_contrast
        spectral_flatness spectral_rolloff stack_memory tempo tempogram tempogram_ratio tonnetz
        zero_crossing_rate
    """.split()),
    "util": frozenset("""
        Deprecated MAX_MEM_BLOCK abs2 axis_sort buf_to_float cite count_unique cyclic_gradient
        decorators dtype_c2r dtype_r2c ex example example_info exceptions expand_to
        fill_off_diagonal find_files fix_frames fix_length frame index_to_slice is_positive_int
        is_unique list_examples localmax localmin match_events match_intervals nnls normalize
        pad_center peak_pick phasor rename_kw shear softmask sparsify_rows stack sync tiny
        valid_audio valid_int valid_intervals
    """.split()),
    "onset": frozenset("""
        onset_backtrack onset_detect onset_strength onset_strength_multi
    """.split()),
    "beat": frozenset("""
        beat_track plp tempo
    """.split()),
    "effects": frozenset("""
        harmonic hpss percussive pitch_shift remix split time_stretch trim
    """.split()),
    "filters": frozenset("""
        chroma constant_q constant_q_lengths cq_to_chroma diagonal_filter get_window mel
        mr_frequencies semitone_filterbank wavelet wavelet_lengths window_bandwidth window_sumsquare
    """.split()),
    "sequence": frozenset("""
        dtw dtw_backtracking rqa transition_cycle transition_local transition_loop
        transition_uniform viterbi viterbi_binary viterbi_discriminative
    """.split()),
    "decompose": frozenset("""
        decompose hpss nn_filter
    """.split()),
    "segment": frozenset("""
        agglomerative cross_similarity lag_to_recurrence path_enhance recurrence_matrix
        recurrence_to_lag subsegment timelag_filter
    """.split()),
    "core": frozenset("""
        A4_to_tuning A_weighting B_weighting C_weighting D_weighting Z_weighting amplitude_to_db
        autocorrelate blocks_to_frames blocks_to_samples blocks_to_time chirp clicks cqt
        cqt_frequencies db_to_amplitude db_to_power estimate_tuning f0_harmonics fft_frequencies
        fifths_to_note fmt fourier_tempo_frequencies frames_to_samples frames_to_time
        frequency_weighting get_duration get_fftlib get_samplerate griffinlim griffinlim_cqt
        hybrid_cqt hz_to_fjs hz_to_mel hz_to_midi hz_to_note hz_to_octs hz_to_svara_c hz_to_svara_h
        icqt iirt interp_harmonics interval_frequencies interval_to_fjs istft key_to_degrees
        key_to_notes list_mela list_thaat load lpc magphase mel_frequencies mel_to_hz
        mela_to_degrees mela_to_svara midi_to_hz midi_to_note midi_to_svara_c midi_to_svara_h
        mu_compress mu_expand multi_frequency_weighting note_to_hz note_to_midi note_to_svara_c
        note_to_svara_h octs_to_hz pcen perceptual_weighting phase_vocoder piptrack pitch_tuning
        plimit_intervals power_to_db pseudo_cqt pyin pythagorean_intervals reassigned_spectrogram
        resample salience samples_like samples_to_frames samples_to_time set_fftlib stft stream
        tempo_frequencies thaat_to_degrees time_to_frames time_to_samples times_like to_mono tone
        tuning_to_A4 vqt yin zero_crossings
    """.split()),
}


def missing_attribute(module: str, namespace: str) -> Callable[[str], object]:
    """A module-level ``__getattr__`` for ``module`` that explains a librosa name audiofeat lacks."""

    def __getattr__(name: str) -> object:
        if name in LIBROSA_NAMES.get(namespace, ()):
            where = "librosa" + (f".{namespace}" if namespace else "")
            raise AttributeError(
                f"module {module!r} has no attribute {name!r}: {where}.{name} is not implemented in "
                f"audiofeat yet (see {module}.__all__ for what is)"
            )
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
